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

import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  userEntity,
  INTEGRATION_BODY,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { pluginSuite } from './__testUtils__/pluginSuite';

const integrationBody = INTEGRATION_BODY;

// The timeout these tests had in plugin.test.ts, which they were split from.
jest.setTimeout(30_000);

describe('dingtalk backend plugin', () => {
  let emu: EmulatorHandle;
  const databases = pluginSuite(e => (emu = e));

  it('opens a war room once per uuid and reports unknown mobiles', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      {
        knex,
        emu,
        integration: {
          ...integrationBody,
          warRoom: { templateId: 'tpl-1', botId: 'group-bot-1' },
        },
      },
      async s => {
        const body = {
          title: 'INC-1 Disk full',
          ownerMobile: '13800000001',
          members: { mobiles: ['13800000002', '19999999999'] },
          uuid: 'incident-1',
          message: {
            type: 'markdown',
            title: 'INC-1',
            text: 'Disk full on db-1',
          },
        };
        const first = await request(s)
          .post('/api/dingtalk/warrooms')
          .send(body);
        expect(first.status).toBe(201);
        expect(first.body.notFound).toEqual([
          expect.objectContaining({ mobile: '19999999999' }),
        ]);
        const again = await request(s)
          .post('/api/dingtalk/warrooms')
          .send(body);
        expect(again.body.openConversationId).toBe(
          first.body.openConversationId,
        );
        const rooms = emu.control
          .groups()
          .filter(g => g.templateId === 'tpl-1');
        expect(rooms).toHaveLength(1);
        expect(rooms[0]).toMatchObject({
          ownerUserId: 'dt1',
          members: ['dt1', 'dt2'],
        });
        const posted = emu.control.messages({
          openConversationId: first.body.openConversationId,
        });
        expect(posted[0]).toMatchObject({
          robotCode: 'group-bot-1',
          msgKey: 'sampleMarkdown',
        });

        emu.control.updateApp(APP.appKey, {
          permissions: ['qyapi_robot_sendmsg', 'qyapi_get_member_by_mobile'],
        });
        const denied = await request(s)
          .post('/api/dingtalk/warrooms')
          .send({ ...body, uuid: 'incident-2' });
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toContain('qyapi_chat_manage');
      },
    );
  });

  it('names what to configure when war rooms are not set up, and checks what is posted into one', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const create = await request(s).post('/api/dingtalk/warrooms').send({
        title: 'INC-3',
        ownerMobile: '13800000001',
        uuid: 'incident-3',
      });
      expect(create.status).toBe(400);
      expect(create.body.error.message).toContain('group Template ID');
      const post = await request(s)
        .post('/api/dingtalk/warrooms/cid-any/messages')
        .send({ message: { type: 'text', content: 'hello' } });
      expect(post.status).toBe(400);
      expect(post.body.error.message).toContain('group Bot ID');
      const malformed = await request(s)
        .post('/api/dingtalk/warrooms/cid-any/messages')
        .send({ message: { type: 'fax' } });
      expect(malformed.status).toBe(400);
      expect(
        emu.control.messages({ openConversationId: 'cid-any' }),
      ).toHaveLength(0);
    });
  });

  it('invites unlinked Backstage users to a war room by the mobile number in the catalog', async () => {
    const knex = await databases.init('SQLITE_3');
    const users = [
      userEntity('owner', '13800000001'),
      userEntity('member', '13800000003'),
      userEntity('nomobile'),
      userEntity('stranger', '19999999999'),
    ];
    await withDingtalkBackend(
      {
        knex,
        emu,
        users,
        integration: {
          ...integrationBody,
          warRoom: { templateId: 'tpl-1', botId: 'group-bot-1' },
        },
      },
      async s => {
        const res = await request(s)
          .post('/api/dingtalk/warrooms')
          .send({
            title: 'INC-2 Latency',
            ownerUserEntityRef: 'user:default/owner',
            members: {
              userEntityRefs: [
                'user:default/member',
                'user:default/nomobile',
                'user:default/stranger',
              ],
            },
            uuid: 'incident-catalog-mobiles',
          });
        expect(res.status).toBe(201);
        expect(res.body.notFound).toEqual([
          expect.objectContaining({
            userEntityRef: 'user:default/nomobile',
            reason: expect.stringContaining('dingtalk.com/mobile'),
          }),
          expect.objectContaining({
            userEntityRef: 'user:default/stranger',
            reason: expect.stringContaining('no DingTalk user'),
          }),
        ]);
        const [room] = emu.control
          .groups()
          .filter(g => g.title === 'INC-2 Latency');
        expect(room).toMatchObject({
          ownerUserId: 'dt1',
          members: ['dt1', 'dt3'],
        });
        // Inviting is not linking: messages still go to linked accounts only.
        const sent = await request(s)
          .post('/api/dingtalk/notify/send')
          .send({
            users: ['user:default/member'],
            message: { type: 'text', content: 'hello' },
          })
          .expect(200);
        expect(sent.body.results).toEqual([
          expect.objectContaining({
            recipient: 'user:default/member',
            outcome: 'app not linked',
          }),
        ]);
      },
    );
  });
});
