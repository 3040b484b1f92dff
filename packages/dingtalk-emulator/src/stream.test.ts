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

import { DWClient, EventAck } from 'dingtalk-stream';
import WebSocket from 'ws';
import { createEmulator, EmulatorHandle } from '.';

const APP = {
  corpId: 'dingstreamcorp',
  appKey: 'dingstreamappkey',
  appSecret: 'stream-secret',
  agentId: '1',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'tok',
};

describe('stream gateway', () => {
  it('delivers Cool App events to the official dingtalk-stream client and takes its ACK', async () => {
    const emu = await createEmulator({ port: 0 });
    try {
      emu.control.createApp({
        ...APP,
        edition: 'standard',
        transport: 'stream',
      } as any);
      emu.control.createUser({
        corpId: APP.corpId,
        userId: 'u1',
        name: 'U',
        mobile: '13900000009',
      });
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'G',
        ownerUserId: 'u1',
        memberUserIds: [],
      });

      // The SDK's gateway URL is a hard-coded constant (api.dingtalk.com), so
      // only that lookup is redirected; the WebSocket protocol is the SDK's own.
      class EmulatorClient extends DWClient {
        async getEndpoint() {
          const res = await fetch(
            `${emu.baseUrl}/v1.0/gateway/connections/open`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                clientId: APP.appKey,
                clientSecret: APP.appSecret,
                // what the SDK itself sends: EVENT * plus its callbacks
                subscriptions: this.getConfig().subscriptions,
              }),
            },
          );
          const { endpoint, ticket } = (await res.json()) as any;
          (this as any).dw_url = `${endpoint}?ticket=${ticket}`;
          return this;
        }
      }
      const received: any[] = [];
      const client = new EmulatorClient({
        clientId: APP.appKey,
        clientSecret: APP.appSecret,
        keepAlive: false,
      } as any);
      client.registerAllEventListener(msg => {
        received.push(msg);
        return { status: EventAck.SUCCESS };
      });
      await client.connect();
      for (let i = 0; i < 50 && !(client as any).connected; i++)
        await new Promise(r => setTimeout(r, 20));

      const result: any = await emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: group.openConversationId,
      });
      expect(result.delivered).toBe(true);
      expect(received).toHaveLength(1);
      expect(received[0].type).toBe('EVENT');
      expect(received[0].headers.eventType).toBeTruthy();
      expect(JSON.parse(received[0].data)).toEqual(
        expect.objectContaining({
          OpenConversationId: group.openConversationId,
        }),
      );
      client.disconnect();
    } finally {
      await emu.close();
    }
  });

  /** A bare gateway client: frames in arrival order, ACKs only when told to. */
  async function rawConnection(
    emu: EmulatorHandle,
    subscriptions: object[] = [{ type: 'EVENT', topic: '*' }],
  ) {
    const res = await fetch(`${emu.baseUrl}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientId: APP.appKey,
        clientSecret: APP.appSecret,
        subscriptions,
      }),
    });
    const { endpoint, ticket } = (await res.json()) as any;
    const ws = new WebSocket(`${endpoint}?ticket=${ticket}`);
    const frames: any[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', raw => {
      frames.push(JSON.parse(raw.toString()));
      waiters.splice(0).forEach(w => w());
    });
    const closed = new Promise<void>(r => ws.on('close', () => r()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const next = async (count: number) => {
      while (frames.length < count)
        await new Promise<void>(r => waiters.push(r));
      return frames[count - 1];
    };
    const ack = (frame: any, data: object = {}) =>
      ws.send(
        JSON.stringify({
          code: 200,
          headers: {
            contentType: 'application/json',
            messageId: frame.headers.messageId,
          },
          message: 'OK',
          data: JSON.stringify(data),
        }),
      );
    return { ws, frames, next, ack, closed };
  }

  it('re-delivers a frame whose connection dropped before its ACK, and counts it delivered only once ACKed', async () => {
    const emu = await createEmulator({ port: 0, pushTimeoutMs: 3000 });
    try {
      emu.control.createApp({
        ...APP,
        edition: 'standard',
        transport: 'stream',
      } as any);
      emu.control.createUser({
        corpId: APP.corpId,
        userId: 'u1',
        name: 'U',
        mobile: '13900000009',
      });
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'G',
        ownerUserId: 'u1',
        memberUserIds: [],
      });
      const first = await rawConnection(emu);
      expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1);
      const pushed = emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: group.openConversationId,
      });
      const frame = await first.next(1);
      expect(frame.type).toBe('EVENT');
      // cut before the ACK
      expect(emu.control.disconnectStreams({ appKey: APP.appKey })).toBe(1);
      await first.closed;
      expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(0);

      const second = await rawConnection(emu);
      const again = await second.next(1);
      expect(again.headers.eventId).toBe(frame.headers.eventId);
      expect(again.headers.messageId).toBe(frame.headers.messageId);
      second.ack(again);
      await expect(pushed).resolves.toEqual(
        expect.objectContaining({ delivered: true, transport: 'stream' }),
      );
      second.ws.close();
    } finally {
      await emu.close();
    }
  });

  it('pings each connection, and says disconnect before closing gracefully, sending nothing new meanwhile', async () => {
    const emu = await createEmulator({
      port: 0,
      pushTimeoutMs: 1000,
      streamDisconnectGraceMs: 300,
    });
    try {
      emu.control.createApp({
        ...APP,
        edition: 'standard',
        transport: 'stream',
      } as any);
      emu.control.createUser({
        corpId: APP.corpId,
        userId: 'u1',
        name: 'U',
        mobile: '13900000009',
      });
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'G',
        ownerUserId: 'u1',
        memberUserIds: [],
      });
      const conn = await rawConnection(emu);

      // not answered: the ping counts as missed
      await expect(
        emu.control.pingStreams({ appKey: APP.appKey }),
      ).resolves.toBe(0);
      const ping = conn.frames[0];
      expect(ping).toEqual(
        expect.objectContaining({
          type: 'SYSTEM',
          headers: expect.objectContaining({ topic: 'ping' }),
        }),
      );
      const answered = emu.control.pingStreams({ appKey: APP.appKey });
      const ping2 = await conn.next(2);
      conn.ws.send(
        JSON.stringify({
          code: 200,
          headers: ping2.headers,
          message: 'OK',
          data: ping2.data,
        }),
      );
      await expect(answered).resolves.toBe(1);

      emu.control.disconnectStreams({ appKey: APP.appKey, graceful: true });
      const bye = await conn.next(3);
      expect(bye).toEqual(
        expect.objectContaining({
          type: 'SYSTEM',
          headers: expect.objectContaining({ topic: 'disconnect' }),
        }),
      );
      const pushed = emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: group.openConversationId,
      });
      await conn.closed;
      expect(conn.frames).toHaveLength(3);
      // queued for the next connection
      const next = await rawConnection(emu);
      next.ack(await next.next(1));
      await expect(pushed).resolves.toEqual(
        expect.objectContaining({ delivered: true }),
      );
      next.ws.close();
    } finally {
      await emu.close();
    }
  });
});
