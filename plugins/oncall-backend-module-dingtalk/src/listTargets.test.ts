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

import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  eventually,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';

const SECOND = {
  corpId: 'dingcorp2',
  appKey: 'dingclient2',
  appSecret: 'client-secret-value-second-01234',
  agentId: '3000000002',
  aesKey: APP.aesKey,
  token: 'signature-token-2',
};

describe('the DingTalk channel lists the groups of every integration, paged', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp({ ...APP, edition: 'standard' });
    emu.control.createApp({ ...SECOND, edition: 'standard' });
    for (const [corpId, userId, mobile] of [
      [APP.corpId, 'alice', '13800000001'],
      [SECOND.corpId, 'zed', '13800000099'],
    ])
      emu.control.createUser({ corpId, userId, name: userId, mobile });
  });
  afterEach(() => emu.close());

  it('walks 7 + 4 groups of two integrations in pages of 3 with nextCursor, none skipped or repeated', async () => {
    const { backend, server } = await start(emu);
    try {
      await request(server)
        .post('/api/dingtalk/integrations')
        .send({
          id: 'second',
          name: 'Second',
          corpId: SECOND.corpId,
          agentId: SECOND.agentId,
          clientId: SECOND.appKey,
          clientSecret: SECOND.appSecret,
          aesKey: SECOND.aesKey,
          token: SECOND.token,
          edition: 'standard',
        })
        .expect(201);
      emu.control.updateApp(SECOND.appKey, {
        eventUrl: `http://127.0.0.1:${server.port()}/api/dingtalk/integrations/second/events`,
      });
      const made: string[] = [];
      for (const [app, corpId, owner, n] of [
        [APP.appKey, APP.corpId, 'alice', 7],
        [SECOND.appKey, SECOND.corpId, 'zed', 4],
      ] as const) {
        for (let i = 0; i < n; i++) {
          const g = emu.control.createGroup({
            corpId,
            title: `Team ${app} ${i}`,
            ownerUserId: owner,
            memberUserIds: [],
          });
          await emu.control.installCoolApp({
            appKey: app,
            openConversationId: g.openConversationId,
          });
          made.push(g.openConversationId);
        }
      }
      const seen: Array<{ id: string; integrationId: string }> = [];
      await eventually(async () => {
        seen.length = 0;
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await request(server)
            .get('/api/oncall/channels/dingtalk/targets')
            .query({ limit: 3, ...(cursor ? { cursor } : {}) })
            .expect(200);
          expect(page.body.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.body.items);
          cursor = page.body.nextCursor;
          pages++;
        } while (cursor && pages < 20);
        expect(seen.map(s => s.id).sort()).toEqual([...made].sort());
      });
      // Both integrations' groups, each once, told apart by integration.
      expect(new Set(seen.map(s => s.id)).size).toBe(11);
      expect(seen.filter(s => s.integrationId === 'second')).toHaveLength(4);
      // The first page already mixes the integrations (asked in parallel).
      const first = await request(server)
        .get('/api/oncall/channels/dingtalk/targets')
        .query({ limit: 4 })
        .expect(200);
      expect(
        new Set(first.body.items.map((i: any) => i.integrationId)),
      ).toEqual(new Set(['demo', 'second']));
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const bad = await request(server)
        .get('/api/oncall/channels/dingtalk/targets')
        .query({ cursor: 'not-a-cursor' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('cursor');
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
