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

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  INTEGRATION_BODY,
  withDingtalkBackend,
  dingtalkConfig,
} from '../__testUtils__/backend';
import { person, emulatorPerTest } from '../__testUtils__/emulator';

const integration = {
  ...INTEGRATION_BODY,
  // Stream mode lets the test install the Cool App without an event URL
  transport: 'stream',
  warRoom: { templateId: 'tpl-1', botId: 'group-bot-1' },
};

/** Invokes an action the way the actions service (and so MCP) does: over the plugin's actions endpoint. */
const invoke = (server: any, id: string, input: object) =>
  request(server)
    .post(
      `/api/dingtalk/.backstage/actions/v1/actions/${encodeURIComponent(
        id,
      )}/invoke`,
    )
    .send(input);

describe('dingtalk actions in the actions registry', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      app: { transport: 'stream' },
      people: [
        person('alice', '13800000001', 'Alice'),
        person('bob', '13800000002', 'Bob'),
      ],
      groupTemplate: { templateId: 'tpl-1', botId: 'group-bot-1' },
    },
    e => (emu = e),
  );

  const config = () => ({
    backend: { actions: { pluginSources: ['dingtalk'] } },
    ...dingtalkConfig(emu, { stream: { leaseSeconds: 3 } }),
  });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('lists integrations and group chats, sends a message and opens a war room through the same services as the API', async () => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend(
        {
          knex,
          emu,
          config: config(),
          integration: false,
        },
        async s => {
          const listed = await request(s)
            .get('/api/dingtalk/.backstage/actions/v1/actions')
            .expect(200);
          expect(listed.body.actions.map((a: any) => a.id).sort()).toEqual([
            'dingtalk:create-war-room',
            'dingtalk:list-group-chats',
            'dingtalk:list-integrations',
            'dingtalk:send-message',
          ]);

          await request(s)
            .post('/api/dingtalk/integrations')
            .send(integration)
            .expect(201);
          const integrations = await invoke(
            s,
            'dingtalk:list-integrations',
            {},
          ).expect(200);
          expect(integrations.body.output.integrations).toEqual([
            {
              id: 'acme',
              name: 'Acme',
              corpId: APP.corpId,
              agentId: APP.agentId,
              clientId: APP.appKey,
              edition: 'standard',
              transport: 'stream',
              source: 'database',
            },
          ]);
          expect(JSON.stringify(integrations.body)).not.toContain(
            APP.appSecret,
          );

          const group = emu.control.createGroup({
            corpId: APP.corpId,
            title: 'SRE On-call',
            ownerUserId: 'alice',
            memberUserIds: [],
          });
          for (
            let i = 0;
            i < 200 &&
            emu.control.streamConnections({ appKey: APP.appKey }) === 0;
            i++
          )
            await new Promise(r => setTimeout(r, 50));
          expect(
            await emu.control.installCoolApp({
              appKey: APP.appKey,
              openConversationId: group.openConversationId,
            }),
          ).toMatchObject({ delivered: true });
          const groups = await invoke(s, 'dingtalk:list-group-chats', {
            query: 'sre',
          }).expect(200);
          expect(groups.body.output).toEqual({
            items: [
              expect.objectContaining({
                integrationId: 'acme',
                openConversationId: group.openConversationId,
                title: 'SRE On-call',
                installed: true,
              }),
            ],
            total: 1,
          });

          const sent = await invoke(s, 'dingtalk:send-message', {
            groups: [group.openConversationId],
            message: {
              type: 'markdown',
              title: 'Deploy',
              text: '**checkout** 1.2.3 is out',
            },
          }).expect(200);
          expect(sent.body.output.results).toEqual([
            expect.objectContaining({
              recipientType: 'group',
              recipient: group.openConversationId,
              outcome: 'sent',
            }),
          ]);
          expect(
            emu.control
              .messages({ openConversationId: group.openConversationId })
              .map(m => (m.msgParam as any).title),
          ).toEqual(['Deploy']);
          // a message the schema does not allow is refused before anything is sent
          await invoke(s, 'dingtalk:send-message', {
            groups: [group.openConversationId],
            message: { type: 'card' },
          }).expect(400);

          const room = await invoke(s, 'dingtalk:create-war-room', {
            title: 'INC-1 checkout down',
            ownerMobile: '13800000001',
            members: { mobiles: ['13800000002', '13900000000'] },
            uuid: 'incident-1',
          }).expect(200);
          expect(room.body.output).toMatchObject({
            invited: ['13800000001', '13800000002'],
            notFound: [{ who: '13900000000', reason: expect.any(String) }],
          });
          const created = emu.control
            .groups()
            .find(
              g => g.openConversationId === room.body.output.openConversationId,
            );
          expect(created).toMatchObject({
            title: 'INC-1 checkout down',
            ownerUserId: 'alice',
            templateId: 'tpl-1',
          });
        },
      );
    }, 30_000);

    it('refuses every action to a caller without the permission the matching route needs', async () => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend(
        {
          knex,
          emu,
          config: config(),
          features: [
            mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
          ],
          integration: false,
        },
        async s => {
          const calls: Array<[string, object, string]> = [
            ['dingtalk:list-integrations', {}, 'dingtalk.integration.read'],
            [
              'dingtalk:list-group-chats',
              { integrationId: 'acme' },
              'dingtalk.integration.read',
            ],
            [
              'dingtalk:send-message',
              {
                integrationId: 'acme',
                groups: ['cid1'],
                message: { type: 'text', content: 'hi' },
              },
              'dingtalk.message.send',
            ],
            [
              'dingtalk:create-war-room',
              {
                integrationId: 'acme',
                title: 'x',
                ownerMobile: '13800000001',
                uuid: 'u',
              },
              'dingtalk.message.send',
            ],
          ];
          for (const [id, input, permission] of calls) {
            const res = await invoke(s, id, input);
            expect({
              id,
              status: res.status,
              name: res.body.error?.name,
            }).toEqual({ id, status: 403, name: 'NotAllowedError' });
            expect(res.body.error.message).toContain(permission);
          }
          expect(emu.control.messages()).toEqual([]);
          expect(emu.control.groups().filter(g => g.templateId)).toEqual([]);
        },
      );
    });
  });
});
