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
import type { EmulatorHandle, EmulatorOptions } from '.';
import { startStreamEmulator } from './__testUtils__/streamApp';
import {
  rawStreamConnection,
  streamEndpoint,
} from './__testUtils__/streamGateway';

const APP = {
  corpId: 'dingstreamcorp',
  appKey: 'dingstreamappkey',
  appSecret: 'stream-secret',
  agentId: '1',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'tok',
  edition: 'standard' as const,
};
const MOBILE = '13900000009';

describe('stream gateway', () => {
  // Every emulator a test started, closed after it even when it failed.
  const emulators: EmulatorHandle[] = [];
  afterEach(() => Promise.all(emulators.splice(0).map(e => e.close())));
  const start = async (options: EmulatorOptions) => {
    const started = await startStreamEmulator(APP, MOBILE, options);
    emulators.push(started.emu);
    return started;
  };

  it('delivers Cool App events to the official dingtalk-stream client and takes its ACK', async () => {
    const { emu, cid } = await start({ port: 0 });

    // The SDK's gateway URL is a hard-coded constant (api.dingtalk.com), so
    // only that lookup is redirected; the WebSocket protocol is the SDK's own.
    class EmulatorClient extends DWClient {
      async getEndpoint() {
        (this as any).dw_url = await streamEndpoint(
          emu,
          APP,
          // what the SDK itself sends: EVENT * plus its callbacks
          this.getConfig().subscriptions,
        );
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
      openConversationId: cid,
    });
    expect(result.delivered).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0].type).toBe('EVENT');
    expect(received[0].headers.eventType).toBeTruthy();
    expect(JSON.parse(received[0].data)).toEqual(
      expect.objectContaining({
        OpenConversationId: cid,
      }),
    );
    client.disconnect();
  });

  /** A bare gateway client: frames in arrival order, ACKs only when told to. */
  const rawConnection = (
    on: EmulatorHandle,
    subscriptions: object[] = [{ type: 'EVENT', topic: '*' }],
  ) => rawStreamConnection(on, APP, subscriptions);

  it('re-delivers a frame whose connection dropped before its ACK, and counts it delivered only once ACKed', async () => {
    const { emu, cid } = await start({
      port: 0,
      pushTimeoutMs: 3000,
    });
    const first = await rawConnection(emu);
    expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1);
    const pushed = emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: cid,
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
  });

  it('pings each connection, and says disconnect before closing gracefully, sending nothing new meanwhile', async () => {
    const { emu, cid } = await start({
      port: 0,
      pushTimeoutMs: 1000,
      streamDisconnectGraceMs: 300,
    });
    const conn = await rawConnection(emu);

    // not answered: the ping counts as missed
    await expect(emu.control.pingStreams({ appKey: APP.appKey })).resolves.toBe(
      0,
    );
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
      openConversationId: cid,
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
  });
});
