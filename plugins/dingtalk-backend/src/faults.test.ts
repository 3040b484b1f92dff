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

import { TestDatabases } from '@backstage/backend-test-utils';
import { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  startDingtalkBackend,
  userEntity,
  INTEGRATION_BODY,
  dingtalkConfig,
} from './__testUtils__/backend';
import { emulatorPerTest, person } from './__testUtils__/emulator';

jest.setTimeout(60_000);

const integrationBody = {
  ...INTEGRATION_BODY,
  edition: 'exclusive', // high QPS: the faults, not our own limiter, are under test
};

// Short client timeouts so that the emulator's "timeout" fault (which holds
// the connection for seconds) costs a few hundred ms per attempt.
const CLIENT = { timeoutMs: 1000, maxAttempts: 4 };

const USERS = ['u0', 'u1', 'u2'];

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T, R>(
  items: T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

describe('dingtalk backend under DingTalk faults', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      app: { edition: 'exclusive' },
      people: USERS.map((u, i) => person(`dt-${u}`, `1390000000${i}`, u)),
    },
    e => (emu = e),
  );

  async function start(knex: any) {
    const backend = await startDingtalkBackend({
      knex,
      emu,
      users: USERS.map((u, i) => userEntity(u, `1390000000${i}`)),
      config: dingtalkConfig(emu, { client: CLIENT }),
    });
    const s = backend.server;
    await request(s)
      .post('/api/dingtalk/integrations')
      .send(integrationBody)
      .expect(201);
    const linked = await request(s)
      .post('/api/dingtalk/integrations/acme/links/link-all-by-mobile')
      .expect(200);
    expect(linked.body.linked).toHaveLength(USERS.length);
    const group = emu.control.createGroup({
      corpId: APP.corpId,
      title: 'Faulty',
      ownerUserId: 'dt-u0',
      memberUserIds: [],
    });
    group.coolApps.push(APP.appKey);
    return { backend, s, group };
  }

  async function recordsOf(s: any, reference: string) {
    const res = await request(s)
      .get('/api/dingtalk/records')
      .query({ reference, limit: 500 });
    expect(res.status).toBe(200);
    return res.body.items as Array<{
      recipient: string;
      recipientType: string;
      outcome: string;
      error?: string;
    }>;
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('delivers every message once or records it as failed, under 5xx, timeouts, dropped connections and flow control', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s, group } = await start(knex);
      try {
        // Each fault is drawn independently per call, in this order: about
        // 40% of all calls (token fetches included) fail somehow.
        emu.control.injectFault({ api: '*', kind: '5xx', share: 0.12 });
        emu.control.injectFault({ api: '*', kind: 'drop', share: 0.1 });
        emu.control.injectFault({
          api: '*',
          kind: 'timeout',
          share: 0.1,
          ms: 3000,
        });
        emu.control.injectFault({ api: '*', kind: 'flowControl', share: 0.12 });
        emu.control.injectFault({
          api: '*',
          kind: 'latency',
          share: 0.1,
          ms: 50,
        });

        const N = 40;
        const refs = Array.from({ length: N }, (_, i) => `fault-${i}`);
        const responses = await pool(refs, 8, reference => {
          const i = Number(reference.split('-')[1]);
          const message =
            i % 4 === 3
              ? {
                  type: 'card',
                  outTrackId: `card-${reference}`,
                  title: `Card ${reference}`,
                  markdown: 'body',
                }
              : { type: 'text', content: `text ${reference}` };
          return request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              integrationId: 'acme',
              reference,
              users: USERS.map(u => `user:default/${u}`),
              groups: [group.openConversationId],
              message,
            });
        });
        emu.control.clearFaults();

        // The sender is answered, never with a 500: failures are outcomes.
        expect(responses.map(r => r.status)).toEqual(refs.map(() => 200));

        const sentAt = new Map<string, number>(); // "<reference> <recipient>" -> times delivered
        for (const m of emu.control.messages({ appKey: APP.appKey })) {
          const ref = String((m.msgParam as any).content ?? '').replace(
            /^text /,
            '',
          );
          const key = `${ref} ${
            m.space === 'group' ? m.openConversationId : m.userId
          }`;
          sentAt.set(key, (sentAt.get(key) ?? 0) + 1);
        }
        let delivered = 0;
        let failed = 0;
        for (const [i, reference] of refs.entries()) {
          const records = await recordsOf(s, reference);
          // exactly one record per recipient
          expect(records.map(r => r.recipient).sort()).toEqual(
            [
              group.openConversationId,
              ...USERS.map(u => `user:default/${u}`),
            ].sort(),
          );
          const isCard = i % 4 === 3;
          const card = isCard
            ? emu.control.cards({ outTrackId: `card-${reference}` })[0]
            : undefined;
          for (const r of records) {
            const dingtalkId =
              r.recipientType === 'group'
                ? r.recipient
                : `dt-${r.recipient.split('/')[1]}`;
            const times = isCard
              ? Number(
                  card?.spaces.includes(
                    `${
                      r.recipientType === 'group' ? 'IM_GROUP' : 'IM_ROBOT'
                    }.${dingtalkId}`,
                  ) ?? false,
                )
              : sentAt.get(`${reference} ${dingtalkId}`) ?? 0;
            // Never twice; and what the record says is what happened (a call
            // left without an answer may or may not have been carried out).
            const unknown = !!r.error?.includes('network-outcome-unknown');
            let expectedTimes: number | 'zero or one' = 0;
            if (r.outcome === 'sent') expectedTimes = 1;
            else if (unknown) expectedTimes = 'zero or one';
            expect({
              reference,
              recipient: r.recipient,
              outcome: r.outcome,
              times:
                expectedTimes === 'zero or one' && times <= 1
                  ? 'zero or one'
                  : times,
            }).toEqual({
              reference,
              recipient: r.recipient,
              outcome: r.outcome,
              times: expectedTimes,
            });
            // every record that is not "sent" is a failure with its reason
            expect({
              outcome: r.outcome,
              hasReason: r.outcome === 'sent' || !!r.error,
            }).toEqual({
              outcome: expect.stringMatching(/^(sent|failed|flow controlled)$/),
              hasReason: true,
            });
            if (r.outcome === 'sent') delivered += 1;
            else failed += 1;
          }
        }
        // Retries carried most messages through the faults.
        expect(delivered).toBeGreaterThan((delivered + failed) * 0.5);
        const faulted = emu.control.calls({ appKey: APP.appKey });
        expect(faulted.total).toBeGreaterThan(0);
      } finally {
        await backend.stop();
      }
    });
  });

  it('retries what is safe to retry, up to its attempts, then records the message as failed', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, s, group } = await start(knex);
    try {
      const send = async (
        reference: string,
        message: object,
        to: { users?: string[]; groups?: string[] },
      ) => {
        const res = await request(s)
          .post('/api/dingtalk/notify/send')
          .send({ integrationId: 'acme', reference, message, ...to });
        expect(res.status).toBe(200);
        expect(await recordsOf(s, reference)).toHaveLength(
          res.body.results.length,
        );
        return res.body.results as Array<{ outcome: string; error?: string }>;
      };
      const groupTexts = () =>
        emu.control
          .messages({ openConversationId: group.openConversationId })
          .map(m => (m.msgParam as any).content);
      const A = CLIENT.maxAttempts;
      // [fault, failures in a row, outcome]: `A - 1` failures are retried
      // through, `A` are not (so exactly A attempts are made).
      const cases: Array<[string, number, string]> = [
        ['5xx', A - 1, 'sent'],
        ['5xx', A, 'failed'],
        ['flowControl', A - 1, 'sent'],
        ['flowControl', A, 'flow controlled'],
        ['quota', 1, 'quota exhausted'],
        // No answer, or the connection lost after the request went out: the
        // message may have been sent, and a robot message repeated is sent
        // twice. Not retried; recorded as failed.
        ['timeout', 1, 'failed'],
        ['drop', 1, 'failed'],
      ];
      for (const [kind, count, outcome] of cases) {
        const reference = `text-${kind}-${count}`;
        emu.control.injectFault({
          api: 'robot.groupMessages.send',
          kind: kind as any,
          count,
          ms: 2000,
        });
        const [result] = await send(
          reference,
          { type: 'text', content: reference },
          { groups: [group.openConversationId] },
        );
        emu.control.clearFaults();
        expect({ reference, outcome: result.outcome }).toEqual({
          reference,
          outcome,
        });
        expect(groupTexts().filter(t => t === reference)).toHaveLength(
          outcome === 'sent' ? 1 : 0,
        );
        expect(result.error ?? 'robot.groupMessages.send').toMatch(
          /robot\.groupMessages\.send/,
        );
      }
      // Cards are keyed by outTrackId, so DingTalk applies a repeat once:
      // lost answers are retried, and the card still reaches the group once.
      for (const kind of ['timeout', 'drop'] as const) {
        emu.control.injectFault({
          api: 'card.instances.createAndDeliver',
          kind,
          count: A - 1,
          ms: 2000,
        });
        const [result] = await send(
          `card-${kind}`,
          {
            type: 'card',
            outTrackId: `card-${kind}`,
            title: 't',
            markdown: 'm',
          },
          { groups: [group.openConversationId] },
        );
        emu.control.clearFaults();
        expect(result.outcome).toBe('sent');
        const [card] = emu.control.cards({ outTrackId: `card-${kind}` });
        expect(card.spaces).toEqual([`IM_GROUP.${group.openConversationId}`]);
      }
      // A person's message under a lost connection: failed, and nothing sent.
      emu.control.injectFault({
        api: 'robot.oToMessages.batchSend',
        kind: 'drop',
        count: 1,
      });
      const users = await send(
        'user-drop',
        { type: 'text', content: 'user-drop' },
        { users: USERS.map(u => `user:default/${u}`) },
      );
      emu.control.clearFaults();
      expect(users.map(r => r.outcome)).toEqual(USERS.map(() => 'failed'));
      expect(
        emu.control
          .messages({ appKey: APP.appKey })
          .filter(m => m.space === 'user'),
      ).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('does not send a message twice when DingTalk answers after the client gave up', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, s, group } = await start(knex);
    try {
      // DingTalk takes longer than the client waits: the call may or may not
      // have been carried out, and a robot message has no idempotency key.
      emu.control.injectFault({
        api: 'robot.groupMessages.send',
        kind: 'latency',
        count: 1,
        ms: CLIENT.timeoutMs * 3,
      });
      emu.control.injectFault({
        api: 'robot.oToMessages.batchSend',
        kind: 'latency',
        count: 1,
        ms: CLIENT.timeoutMs * 3,
      });
      const res = await request(s)
        .post('/api/dingtalk/notify/send')
        .send({
          integrationId: 'acme',
          reference: 'slow',
          users: ['user:default/u0'],
          groups: [group.openConversationId],
          message: { type: 'text', content: 'slow' },
        });
      expect(res.status).toBe(200);
      await new Promise(r => setTimeout(r, CLIENT.timeoutMs * 4)); // let the slow calls land
      // DingTalk carried both out, once each...
      expect(
        emu.control.messages({ openConversationId: group.openConversationId }),
      ).toHaveLength(1);
      expect(emu.control.messages({ userId: 'dt-u0' })).toHaveLength(1);
      // ...and the records say that the outcome is unknown, not "sent twice".
      const records = await recordsOf(s, 'slow');
      expect(records).toHaveLength(2);
      for (const r of records) {
        expect(r.outcome).toBe('failed');
        expect(r.error).toContain('no answer within');
      }
    } finally {
      await backend.stop();
    }
  });
});
