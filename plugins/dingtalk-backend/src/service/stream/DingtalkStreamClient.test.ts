/*
 * Copyright 2026 The Backstage DingTalk On-call Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import { NotFoundError } from '@backstage/errors';
import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import { CapturingLogger } from '../../__testUtils__/backend';
import { eventually } from '../../__testUtils__/eventually';
import { DingtalkStreamClient, StreamFrame } from './DingtalkStreamClient';

const APP = {
  corpId: 'dinglatercorp',
  appKey: 'dinglaterapp',
  appSecret: 'later-secret',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'tok',
};

/** The app, a user and a group; a stream-callback card when asked. */
async function seed(emu: EmulatorHandle) {
  emu.control.createApp({ ...APP, transport: 'stream' });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'u1',
    name: 'U',
    mobile: '13900000041',
  });
  return emu.control.createGroup({
    corpId: APP.corpId,
    title: 'G',
    ownerUserId: 'u1',
    memberUserIds: [],
  });
}

async function streamCard(emu: EmulatorHandle, outTrackId: string) {
  const token = await fetch(`${emu.baseUrl}/v1.0/oauth2/accessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appKey: APP.appKey, appSecret: APP.appSecret }),
  }).then(async r => ((await r.json()) as any).accessToken);
  const res = await fetch(
    `${emu.baseUrl}/v1.0/card/instances/createAndDeliver`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-acs-dingtalk-access-token': token,
      },
      body: JSON.stringify({
        cardTemplateId: 't',
        outTrackId,
        openSpaceId: 'dtv1.card//IM_ROBOT.u1',
        callbackType: 'STREAM',
        cardData: { cardParamMap: {} },
      }),
    },
  );
  expect(res.status).toBe(200);
}

/** u1's click on the card's `ack` button. */
const clickAck = (emu: EmulatorHandle, outTrackId: string) =>
  emu.control.clickCardButton({ outTrackId, userId: 'u1', actionId: 'ack' });

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Runs `test` with a client of the app connected to the emulator; every frame
 * is recorded in `seen` before `onFrame` handles it. The client and the
 * emulator are closed afterwards, whatever the test did.
 */
async function withConnectedClient(
  emuOptions: Parameters<typeof createEmulator>[0],
  onFrame: (frame: StreamFrame, seen: StreamFrame[]) => Promise<any>,
  test: (t: {
    emu: EmulatorHandle;
    logger: CapturingLogger;
    seen: StreamFrame[];
    group: Awaited<ReturnType<typeof seed>>;
  }) => Promise<void>,
) {
  const emu = await createEmulator(emuOptions);
  const logger = new CapturingLogger();
  const seen: StreamFrame[] = [];
  const client = new DingtalkStreamClient({
    apiBaseUrl: emu.baseUrl,
    clientId: APP.appKey,
    clientSecret: APP.appSecret,
    logger,
    onFrame: async frame => {
      seen.push(frame);
      return onFrame(frame, seen);
    },
  });
  try {
    const group = await seed(emu);
    client.start();
    await eventually(() =>
      expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1),
    );
    await test({ emu, logger, seen, group });
  } finally {
    await client.stop();
    await emu.close();
  }
}

describe('DingtalkStreamClient', () => {
  it('answers LATER when a frame cannot be processed, and processes the re-push', async () => {
    // An unanswered frame would come back only after a minute; LATER brings
    // it back after 200 ms, on the same connection.
    await withConnectedClient(
      {
        pushTimeoutMs: 8000,
        streamAckTimeoutMs: 60_000,
        streamRedeliveryMs: 200,
      },
      async (_frame, seen) => {
        if (seen.length === 1) throw new Error('database unavailable');
        return { status: 'SUCCESS', message: 'OK' };
      },
      async ({ emu, logger, seen, group }) => {
        const pushed = await emu.control.installCoolApp({
          appKey: APP.appKey,
          openConversationId: group.openConversationId,
        });
        expect(pushed).toMatchObject({ delivered: true, attempts: 2 });
        expect(seen).toHaveLength(2);
        expect(seen[1].headers.messageId).toBe(seen[0].headers.messageId);
        expect(seen[1].headers.eventType).toBe('im_cool_app_install');
        expect(logger.lines.join('\n')).toContain('answered LATER');
      },
    );
  });

  it('ACKs an event that can never be processed (a 4xx-class error) once, so that it is not pushed again', async () => {
    await withConnectedClient(
      { pushTimeoutMs: 8000, streamRedeliveryMs: 100 },
      async () => {
        throw new NotFoundError('no such integration group');
      },
      async ({ emu, logger, seen, group }) => {
        const pushed = await emu.control.installCoolApp({
          appKey: APP.appKey,
          openConversationId: group.openConversationId,
        });
        expect(pushed).toMatchObject({ delivered: true, attempts: 1 });
        await sleep(400);
        expect(seen).toHaveLength(1);
        expect(logger.lines.join('\n')).toContain(
          'refused: no such integration group',
        );
      },
    );
  });

  it('answers a failed card click with an error response (never LATER), which the clicker sees at once and which is not re-run', async () => {
    await withConnectedClient(
      { pushTimeoutMs: 8000, streamRedeliveryMs: 100 },
      async frame => {
        const { outTrackId } = JSON.parse(frame.data);
        if (outTrackId === 'card-unknown')
          throw new NotFoundError('no such card');
        throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
      },
      async ({ emu, logger, seen }) => {
        await streamCard(emu, 'card-unknown');
        await streamCard(emu, 'card-down');
        const began = Date.now();
        const refused = await clickAck(emu, 'card-unknown');
        expect(refused).toMatchObject({
          status: 400,
          response: { message: 'no such card' },
        });
        const failed = await clickAck(emu, 'card-down');
        expect(failed).toMatchObject({
          status: 500,
          response: { message: 'not processed; try again' },
        });
        // answered, not timed out after pushTimeoutMs
        expect(Date.now() - began).toBeLessThan(4000);
        // internals stay out of the answer
        expect(JSON.stringify(failed)).not.toContain('5432');
        await sleep(400);
        expect(seen.map(f => JSON.parse(f.data).outTrackId)).toEqual([
          'card-unknown',
          'card-down',
        ]);
        expect(logger.lines.join('\n')).toContain(
          'failed; answered with an error',
        );
      },
    );
  });
});
