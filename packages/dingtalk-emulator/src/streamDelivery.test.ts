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

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorHandle, EmulatorOptions } from '.';
import { startStreamEmulator } from './__testUtils__/streamApp';
import {
  openStreamTicket,
  rawStreamConnection,
} from './__testUtils__/streamGateway';
import { appAccessToken } from './__testUtils__/accessToken';

const APP = {
  corpId: 'dingsubcorp',
  appKey: 'dingsubapp',
  appSecret: 'sub-secret',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'tok',
};
const CARD_TOPIC = '/v1.0/card/instances/callback';

const setup = (options: EmulatorOptions = {}) =>
  startStreamEmulator(APP, '13900000019', { pushTimeoutMs: 3000, ...options });

/** A bare gateway client that records frames and ACKs only when told to. */
const connect = (emu: EmulatorHandle, subscriptions: object[]) =>
  rawStreamConnection(emu, APP, subscriptions);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function newApi(emu: EmulatorHandle, path: string, body: object) {
  const res = await fetch(`${emu.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-acs-dingtalk-access-token': await appAccessToken(emu, APP),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('stream gateway delivery', () => {
  let emu: EmulatorHandle;
  afterEach(() => emu?.close());
  // u1 presses the card's ack button: what every card callback here starts from.
  // The Cool App installed into the group: the event every frame here carries.
  const install = (cid: string) =>
    emu.control.installCoolApp({ appKey: APP.appKey, openConversationId: cid });
  const clickAck = (outTrackId: string) =>
    emu.control.clickCardButton({ outTrackId, userId: 'u1', actionId: 'ack' });

  it('pushes a connection only the topics it subscribed to', async () => {
    let cid: string;
    ({ emu, cid } = await setup({ pushTimeoutMs: 400 }));
    const none = await connect(emu, []);
    const cardsOnly = await connect(emu, [
      { type: 'CALLBACK', topic: CARD_TOPIC },
    ]);
    const pushed = await install(cid);
    expect(pushed.delivered).toBe(false);
    expect(none.frames).toEqual([]);
    expect(cardsOnly.frames).toEqual([]);

    // a connection that subscribes to events gets the queued event
    const events = await connect(emu, [{ type: 'EVENT', topic: '*' }]);
    const frame = await events.next(1);
    expect(frame.type).toBe('EVENT');
    expect(frame.headers.eventType).toBe('im_cool_app_install');

    // and card clicks go only to the connection that subscribed to them
    await newApi(emu, '/v1.0/card/instances/createAndDeliver', {
      cardTemplateId: 't',
      outTrackId: 'card-1',
      openSpaceId: 'dtv1.card//IM_ROBOT.u1',
      callbackType: 'STREAM',
      cardData: { cardParamMap: { status: 'open' } },
    });
    const click = clickAck('card-1');
    const callback = await cardsOnly.next(1);
    expect(callback.type).toBe('CALLBACK');
    expect(callback.headers.topic).toBe(CARD_TOPIC);
    cardsOnly.ack(callback, { response: { ok: true } });
    await expect(click).resolves.toMatchObject({ status: 200 });
    expect(events.frames).toHaveLength(1);
    expect(none.frames).toEqual([]);
  });

  it('refuses a ticket request without well-formed subscriptions', async () => {
    ({ emu } = await setup());
    for (const subscriptions of [undefined, 'EVENT', [{ type: 'EVENT' }]]) {
      const res = await openStreamTicket(emu, APP, subscriptions);
      expect(res.status).toBe(400);
    }
  });

  it('takes an ACK with status LATER as not delivered and pushes the frame again on the same connection', async () => {
    let cid: string;
    ({ emu, cid } = await setup({ streamRedeliveryMs: 200 }));
    const conn = await connect(emu, [{ type: 'EVENT', topic: '*' }]);
    const pushed = install(cid);
    const first = await conn.next(1);
    conn.ack(first, { status: 'LATER', message: 'database down' });
    const again = await conn.next(2);
    expect(again.headers.messageId).toBe(first.headers.messageId);
    expect(again.headers.eventId).toBe(first.headers.eventId);
    conn.ack(again, { status: 'SUCCESS', message: 'OK' });
    await expect(pushed).resolves.toMatchObject({
      delivered: true,
      attempts: 2,
    });
    await sleep(400);
    expect(conn.frames).toHaveLength(2);
  });

  it('re-pushes an un-ACKed frame after the ACK timeout and drops it after the last delivery', async () => {
    let cid: string;
    ({ emu, cid } = await setup({
      streamAckTimeoutMs: 150,
      streamMaxDeliveries: 3,
    }));
    const conn = await connect(emu, [{ type: 'EVENT', topic: '*' }]);
    const pushed = await install(cid);
    expect(pushed).toMatchObject({
      delivered: false,
      attempts: 3,
      error: 'expired after 3 deliveries',
    });
    expect(conn.frames).toHaveLength(3);
    expect(new Set(conn.frames.map(f => f.headers.messageId)).size).toBe(1);
    // expired: a new connection gets nothing either
    const later = await connect(emu, [{ type: 'EVENT', topic: '*' }]);
    await sleep(400);
    expect(later.frames).toEqual([]);
    expect(conn.frames).toHaveLength(3);
  });

  it('calls back an HTTP-callback card at its URL, never over the stream', async () => {
    ({ emu } = await setup());
    const received: any[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => {
        body += c;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ cardData: { cardParamMap: { s: 'x' } } }));
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const conn = await connect(emu, [
        { type: 'EVENT', topic: '*' },
        { type: 'CALLBACK', topic: CARD_TOPIC },
      ]);
      await newApi(emu, '/v1.0/card/callbacks/register', {
        callbackRouteKey: 'route',
        callbackUrl: `http://127.0.0.1:${port}/cb`,
      });
      await newApi(emu, '/v1.0/card/instances/createAndDeliver', {
        cardTemplateId: 't',
        outTrackId: 'card-http',
        openSpaceId: 'dtv1.card//IM_ROBOT.u1',
        callbackType: 'HTTP',
        callbackRouteKey: 'route',
        cardData: { cardParamMap: {} },
      });
      const click = await clickAck('card-http');
      expect(click.status).toBe(200);
      expect(received).toHaveLength(1);
      expect(received[0].outTrackId).toBe('card-http');
      expect(conn.frames).toEqual([]);
    } finally {
      await new Promise(r => server.close(r));
    }
  });

  it('expires a frame that no connection takes within its time to live', async () => {
    let cid: string;
    ({ emu, cid } = await setup({ streamQueueTtlMs: 300 }));
    const pushed = await install(cid);
    expect(pushed).toMatchObject({
      delivered: false,
      attempts: 0,
      error: 'expired after 0 deliveries',
    });
    // gone: a connection made later is not given it
    const later = await connect(emu, [{ type: 'EVENT', topic: '*' }]);
    await sleep(400);
    expect(later.frames).toEqual([]);
  });

  async function streamCard(outTrackId: string) {
    await newApi(emu, '/v1.0/card/instances/createAndDeliver', {
      cardTemplateId: 't',
      outTrackId,
      openSpaceId: 'dtv1.card//IM_ROBOT.u1',
      callbackType: 'STREAM',
      cardData: { cardParamMap: {} },
    });
  }

  it('relays a CALLBACK frame answered with an error to the clicker, and never pushes it again', async () => {
    ({ emu } = await setup({ pushTimeoutMs: 2000, streamRedeliveryMs: 100 }));
    const conn = await connect(emu, [{ type: 'CALLBACK', topic: CARD_TOPIC }]);
    await streamCard('card-err');
    const click = clickAck('card-err');
    const frame = await conn.next(1);
    expect(frame.type).toBe('CALLBACK');
    // the Python SDK's AckMessage.STATUS_BAD_REQUEST
    conn.ws.send(
      JSON.stringify({
        code: 400,
        headers: {
          contentType: 'application/json',
          messageId: frame.headers.messageId,
        },
        message: 'no such card',
        data: '{}',
      }),
    );
    await expect(click).resolves.toMatchObject({
      status: 400,
      response: { message: 'no such card' },
    });
    await sleep(400);
    expect(conn.frames).toHaveLength(1);
  });

  it('times out a CALLBACK frame left unanswered and never pushes it again', async () => {
    ({ emu } = await setup({ pushTimeoutMs: 500, streamAckTimeoutMs: 100 }));
    const conn = await connect(emu, [{ type: 'CALLBACK', topic: CARD_TOPIC }]);
    await streamCard('card-silent');
    const click = await clickAck('card-silent');
    expect(click.status).toBe(504);
    // a new connection does not get it either
    const later = await connect(emu, [{ type: 'CALLBACK', topic: CARD_TOPIC }]);
    await sleep(400);
    expect(conn.frames).toHaveLength(1);
    expect(later.frames).toEqual([]);
  });

  it('purges the tickets that were never used once they expire', async () => {
    let clock = Date.now();
    ({ emu } = await setup({ now: () => clock }));
    const open = () =>
      openStreamTicket(emu, APP, [{ type: 'EVENT', topic: '*' }]).then(r =>
        r.json(),
      );
    await open();
    await open();
    await open();
    expect(emu.control.streamTickets({ appKey: APP.appKey })).toBe(3);
    clock += 91_000;
    await open();
    expect(emu.control.streamTickets({ appKey: APP.appKey })).toBe(1);
  });
});
