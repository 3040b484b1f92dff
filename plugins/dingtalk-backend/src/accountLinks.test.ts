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

import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  INTEGRATION_BODY,
  userEntity,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { eventually } from './__testUtils__/eventually';
import { person, emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(60_000);

const SIGN_IN = '/api/dingtalk/links/sign-in';
const serviceHeader = (subject: string) =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'dingtalk',
  });

/** A plugin that receives what the dingtalk backend publishes on `dingtalk.contact`. */
function contactListener(received: any[]) {
  return createBackendPlugin({
    pluginId: 'listener',
    register(env) {
      env.registerInit({
        deps: { events: eventsServiceRef },
        async init({ events }) {
          await events.subscribe({
            id: 'test',
            topics: ['dingtalk.contact'],
            onEvent: async e => {
              received.push(e.eventPayload);
            },
          });
        },
      });
    },
  });
}

describe('account links: sign-in links and address-book events', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      people: [person('bob', '13800000002'), person('carol', '13800000003')],
    },
    e => (emu = e),
  );

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('records the link of a DingTalk sign-in for the auth backend only, audited, and the person is then reachable', async () => {
      const knex = await databases.init(databaseId);
      const logger = new CapturingLogger();
      await withDingtalkBackend(
        {
          knex,
          emu,
          logger,
          users: [userEntity('bob'), userEntity('carol')],
        },
        async s => {
          const body = {
            corpId: APP.corpId,
            dingtalkUserId: 'bob',
            unionId: 'union-bob',
            userEntityRef: 'user:default/bob',
          };
          // A signed-in user, or any plugin but auth, may not make links.
          await request(s).post(SIGN_IN).send(body).expect(403);
          await request(s)
            .post(SIGN_IN)
            .set('authorization', serviceHeader('plugin:catalog'))
            .send(body)
            .expect(403);
          expect(
            (
              await request(s)
                .post('/api/dingtalk/notify/send')
                .send({
                  integrationId: 'acme',
                  users: ['user:default/bob'],
                  message: { type: 'text', content: 'hi' },
                })
            ).body.results[0].outcome,
          ).toBe('app not linked');

          const auth = serviceHeader('plugin:auth');
          await request(s)
            .post(SIGN_IN)
            .set('authorization', auth)
            .send({ ...body, userEntityRef: 'bob' })
            .expect(400);
          const made = await request(s)
            .post(SIGN_IN)
            .set('authorization', auth)
            .send(body)
            .expect(200);
          expect(made.body.links).toEqual([
            expect.objectContaining({
              integrationId: 'acme',
              dingtalkUserId: 'bob',
              userEntityRef: 'user:default/bob',
              source: 'sign-in',
            }),
          ]);
          // The next sign-in changes nothing; another account for the same
          // DingTalk user is refused.
          await request(s)
            .post(SIGN_IN)
            .set('authorization', auth)
            .send(body)
            .expect(200);
          await request(s)
            .post(SIGN_IN)
            .set('authorization', auth)
            .send({ ...body, userEntityRef: 'user:default/carol' })
            .expect(409);
          const rows = (
            await request(s)
              .get('/api/dingtalk/links?integrationId=acme')
              .expect(200)
          ).body.items;
          expect(rows).toEqual([
            expect.objectContaining({
              userEntityRef: 'user:default/bob',
              dingtalkUserId: 'bob',
              source: 'sign-in',
            }),
            expect.objectContaining({ userEntityRef: 'user:default/carol' }),
          ]);
          expect(rows[1].source).toBeUndefined();
          const sent = await request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              integrationId: 'acme',
              users: ['user:default/bob'],
              message: { type: 'text', content: 'hi' },
            })
            .expect(200);
          expect(sent.body.results[0].outcome).toBe('sent');
          const audit = logger.lines.filter(
            l => l.includes('link-mutate') && l.includes('sign-in'),
          );
          // two refused, one bad input, two made, one conflict
          expect(audit.filter(l => /fail/i.test(l)).length).toBe(4);
          expect(audit.filter(l => /succe/i.test(l)).length).toBe(2);
        },
      );
    });

    it.each(['http', 'stream'] as const)(
      'publishes address-book events arriving over %s on topic dingtalk.contact',
      async transport => {
        const knex = await databases.init(databaseId);
        const received: any[] = [];
        emu.control.updateApp(APP.appKey, { transport });
        await withDingtalkBackend(
          {
            knex,
            emu,
            features: [eventsServiceFactory, contactListener(received)],
            integration: { ...INTEGRATION_BODY, transport },
          },
          async s => {
            // HTTP: DingTalk pushes to the events URL; Stream: to the connection.
            const port = (s.address() as AddressInfo).port;
            emu.control.updateApp(APP.appKey, {
              eventUrl:
                transport === 'http'
                  ? `http://127.0.0.1:${port}/api/dingtalk/integrations/acme/events`
                  : undefined,
            });
            await eventually(() => {
              if (
                transport === 'stream' &&
                emu.control.streamConnections({ appKey: APP.appKey }) !== 1
              )
                throw new Error('the stream is not connected yet');
            }, 15_000);
            const joined = await emu.control.orgAddUser({
              corpId: APP.corpId,
              userId: 'dave',
              name: 'Dave',
              mobile: '13800000004',
            });
            expect(joined.pushes.map(p => p.delivered)).toEqual([true]);
            const { deptId } = await emu.control.orgAddDepartment({
              corpId: APP.corpId,
              name: 'Platform',
            });
            await emu.control.orgRemoveUser({ userId: 'dave' });
            await eventually(() => expect(received).toHaveLength(3), 15_000);
            expect(received).toEqual([
              {
                integrationId: 'acme',
                corpId: APP.corpId,
                eventType: 'user_add_org',
                userIds: ['dave'],
              },
              {
                integrationId: 'acme',
                corpId: APP.corpId,
                eventType: 'org_dept_create',
                deptIds: [deptId],
              },
              {
                integrationId: 'acme',
                corpId: APP.corpId,
                eventType: 'user_leave_org',
                userIds: ['dave'],
              },
            ]);
          },
        );
      },
    );
  });
});
