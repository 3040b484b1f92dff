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
import { createEmulator } from '.';

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
      emu.control.createApp({ ...APP, edition: 'standard', transport: 'stream' } as any);
      emu.control.createUser({ corpId: APP.corpId, userId: 'u1', name: 'U', mobile: '13900000009' });
      const group = emu.control.createGroup({ corpId: APP.corpId, title: 'G', ownerUserId: 'u1', memberUserIds: [] });

      // The SDK's gateway URL is a hard-coded constant (api.dingtalk.com), so
      // only that lookup is redirected; the WebSocket protocol is the SDK's own.
      class EmulatorClient extends DWClient {
        async getEndpoint() {
          const res = await fetch(`${emu.baseUrl}/v1.0/gateway/connections/open`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ clientId: APP.appKey, clientSecret: APP.appSecret, subscriptions: [] }),
          });
          const { endpoint, ticket } = (await res.json()) as any;
          (this as any).dw_url = `${endpoint}?ticket=${ticket}`;
          return this;
        }
      }
      const received: any[] = [];
      const client = new EmulatorClient({ clientId: APP.appKey, clientSecret: APP.appSecret, keepAlive: false } as any);
      client.registerAllEventListener(msg => {
        received.push(msg);
        return { status: EventAck.SUCCESS };
      });
      await client.connect();
      for (let i = 0; i < 50 && !(client as any).connected; i++) await new Promise(r => setTimeout(r, 20));

      const result: any = await emu.control.installCoolApp({ appKey: APP.appKey, openConversationId: group.openConversationId });
      expect(result.delivered).toBe(true);
      expect(received).toHaveLength(1);
      expect(received[0].type).toBe('EVENT');
      expect(received[0].headers.eventType).toBeTruthy();
      expect(JSON.parse(received[0].data)).toEqual(
        expect.objectContaining({ OpenConversationId: group.openConversationId }),
      );
      client.disconnect();
    } finally {
      await emu.close();
    }
  });
});
