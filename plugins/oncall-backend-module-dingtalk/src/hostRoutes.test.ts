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

import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  eventually,
  SERVICE,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { groupWithCoolApp } from './__testUtils__/groups';
import {
  atOnce,
  groupTarget,
  linkAllByMobile,
  putRule,
  userTarget,
} from './__testUtils__/oncallApi';

jest.setTimeout(120_000);

describe('the host routes of the on-call UI, with DingTalk on the emulator', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({
      people: ['alice', 'bob', 'mockdt'],
      warRoomTemplate: true,
    });
  });
  afterEach(() => emu.close());

  async function setUp(server: any) {
    const { group } = await groupWithCoolApp(emu, {
      title: 'SRE On-call',
      ownerUserId: 'alice',
      memberUserIds: ['bob'],
    });
    await linkAllByMobile(server);
    return group;
  }

  it.each(databases.eachSupportedId())(
    'on %p, gives no DingTalk direct message to a person who opted out, while the group still gets its card',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server, tick } = await start(emu, { knex });
      try {
        const group = await setUp(server);
        await request(server)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', mockCredentials.user.header('user:default/bob'))
          .send({ channels: { dingtalk: { direct: false } } })
          .expect(200);
        await putRule(server, [
          atOnce(
            groupTarget(group.openConversationId),
            userTarget('user:default/alice'),
            userTarget('user:default/bob'),
          ),
        ]);
        const incident = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: 'Checkout down', serviceRef: SERVICE })
          .expect(201);
        await tick();
        await eventually(() => {
          expect(
            emu.control.cards({ openConversationId: group.openConversationId }),
          ).toHaveLength(1);
          expect(emu.control.cards({ userId: 'alice' })).toHaveLength(1);
        });
        // bob: nothing directly, on any channel (DingTalk is the only one)
        expect(emu.control.cards({ userId: 'bob' })).toHaveLength(0);
        expect(emu.control.messages({ userId: 'bob' })).toHaveLength(0);
        const detail = await request(server).get(
          `/api/oncall/incidents/${incident.body.id}`,
        );
        expect(
          detail.body.timeline.map((t: any) => t.message).join('\n'),
        ).toContain(
          'user:default/bob: skipped (switched off direct messages on every installed channel)',
        );
      } finally {
        await backend.stop();
      }
    },
  );

  it.each(databases.eachSupportedId())(
    'on %p, opens the DingTalk war room through the host route, not a DingTalk path',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await start(emu, { knex });
      try {
        await setUp(server);
        const channels = await request(server).get('/api/oncall/channels');
        expect(channels.body.items).toEqual([
          {
            id: 'dingtalk',
            title: 'DingTalk',
            capabilities: { warRooms: true },
          },
        ]);
        const incident = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: 'Checkout down', serviceRef: SERVICE })
          .expect(201);
        const room = await request(server)
          .post(`/api/oncall/incidents/${incident.body.id}/war-room`)
          .send({ channel: 'dingtalk' });
        expect(room.status).toBe(201);
        const rooms = emu.control.groups().filter(g => g.templateId === 'tpl');
        expect(rooms).toHaveLength(1);
        expect(room.body).toMatchObject({
          channel: 'dingtalk',
          id: rooms[0].openConversationId,
          title: 'Checkout down',
        });
        expect(room.body.url).toContain(rooms[0].openConversationId);
        // Asked again: the same room.
        const again = await request(server)
          .post(`/api/oncall/incidents/${incident.body.id}/war-room`)
          .send({ channel: 'dingtalk' });
        expect(again.body.id).toBe(rooms[0].openConversationId);
        expect(
          emu.control.groups().filter(g => g.templateId === 'tpl'),
        ).toHaveLength(1);
      } finally {
        await backend.stop();
      }
    },
  );
});
