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

import type { Entity } from '@backstage/catalog-model';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  INTEGRATION_BODY,
  startDingtalkBackend,
  userEntity,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { eventually } from './__testUtils__/eventually';
import { person, emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(90_000);

const SIGN_IN = '/api/dingtalk/links/sign-in';
const AUTH = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('plugin:auth'),
  targetPluginId: 'dingtalk',
});

/** A User as the org provider emits it (origin dingtalk-org:acme). */
function synced(name: string, userId: string, mobile?: string): Entity {
  const user = userEntity(name, mobile);
  return {
    ...user,
    metadata: {
      ...user.metadata,
      annotations: {
        'backstage.io/managed-by-location': 'dingtalk-org:acme',
        'backstage.io/managed-by-origin-location': 'dingtalk-org:acme',
        'dingtalk.com/user-id': userId,
        'dingtalk.com/corp-id': APP.corpId,
        ...user.metadata.annotations,
      },
    },
  };
}

describe('who may claim a DingTalk account', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      people: [
        person('bob', '13800000002'),
        person('carol', '13800000003'),
        person('dave', '13800000004'),
      ],
    },
    e => (emu = e),
  );

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('only the org provider may claim by annotation, a synced account is nobody else’s, and a claim two users make is nobody’s', async () => {
      const knex = await databases.init(databaseId);
      const logger = new CapturingLogger();
      const backend = await startDingtalkBackend({
        knex,
        emu,
        logger,
        users: [
          synced('bob', 'bob'),
          // has bob's mobile: the mobile run must not give it bob's account
          userEntity('robert', '13800000002'),
          // a hand-written catalog-info.yaml claiming carol's account
          {
            ...userEntity('mallory'),
            metadata: {
              name: 'mallory',
              namespace: 'default',
              annotations: { 'dingtalk.com/user-id': 'carol' },
            },
          },
          // two synced users with one DingTalk id (two providers, a bad transformer)
          synced('dave', 'dave'),
          synced('dave2', 'dave'),
        ],
      });
      const s = backend.server;
      try {
        await request(s)
          .post('/api/dingtalk/integrations')
          .send(INTEGRATION_BODY)
          .expect(201);
        const send = async (users: string[]) =>
          Object.fromEntries(
            (
              await request(s)
                .post('/api/dingtalk/notify/send')
                .send({
                  integrationId: 'acme',
                  users,
                  message: { type: 'text', content: 'hi' },
                })
                .expect(200)
            ).body.results.map((r: any) => [r.recipient, r.outcome]),
          );
        expect(
          await send([
            'user:default/bob',
            'user:default/mallory',
            'user:default/dave',
            'user:default/dave2',
          ]),
        ).toEqual({
          'user:default/bob': 'sent',
          'user:default/mallory': 'app not linked',
          'user:default/dave': 'app not linked',
          'user:default/dave2': 'app not linked',
        });

        // The mobile run finds bob's account for robert: refused, not stored.
        const run = await request(s)
          .post('/api/dingtalk/integrations/acme/links/link-all-by-mobile')
          .expect(200);
        expect(run.body.linked).toEqual([]);
        expect(run.body.skipped).toContain('user:default/robert');
        // A sign-in of robert as bob's DingTalk account: a conflict.
        await request(s)
          .post(SIGN_IN)
          .set('authorization', AUTH)
          .send({
            corpId: APP.corpId,
            dingtalkUserId: 'bob',
            userEntityRef: 'user:default/robert',
          })
          .expect(409);
        // A click by bob is still bob's.
        expect(await send(['user:default/robert'])).toEqual({
          'user:default/robert': 'app not linked',
        });

        const rows = (
          await request(s)
            .get('/api/dingtalk/links?integrationId=acme')
            .expect(200)
        ).body.items;
        const byRef = Object.fromEntries(
          rows.map((r: any) => [r.userEntityRef, r]),
        );
        expect(byRef['user:default/dave'].conflictsWith).toEqual([
          'user:default/dave2',
        ]);
        expect(byRef['user:default/dave2'].conflictsWith).toEqual([
          'user:default/dave',
        ]);
        expect(byRef['user:default/bob'].conflictsWith).toBeUndefined();
        expect(byRef['user:default/robert'].dingtalkUserId).toBeUndefined();
        expect(byRef['user:default/mallory'].dingtalkUserId).toBeUndefined();
      } finally {
        await backend.stop();
      }
    });

    it('a person who leaves the organisation loses their stored links, audited', async () => {
      const knex = await databases.init(databaseId);
      const logger = new CapturingLogger();
      await withDingtalkBackend(
        {
          knex,
          emu,
          logger,
          users: [userEntity('carol'), userEntity('bob')],
        },
        async s => {
          const port = (s.address() as AddressInfo).port;
          emu.control.updateApp(APP.appKey, {
            eventUrl: `http://127.0.0.1:${port}/api/dingtalk/integrations/acme/events`,
          });
          for (const name of ['carol', 'bob'])
            await request(s)
              .post(SIGN_IN)
              .set('authorization', AUTH)
              .send({
                corpId: APP.corpId,
                dingtalkUserId: name,
                userEntityRef: `user:default/${name}`,
              })
              .expect(200);
          const left = await emu.control.orgRemoveUser({ userId: 'carol' });
          expect(left.pushes.map(p => p.delivered)).toEqual([true]);
          await eventually(async () => {
            const rows = (
              await request(s)
                .get('/api/dingtalk/links?integrationId=acme')
                .expect(200)
            ).body.items;
            expect(
              rows.map((r: any) => [r.userEntityRef, r.dingtalkUserId]),
            ).toEqual([
              ['user:default/bob', 'bob'],
              ['user:default/carol', undefined],
            ]);
          }, 15_000);
          expect(
            logger.lines.some(
              l =>
                l.includes('link-mutate') &&
                l.includes('unlink-left-organisation') &&
                l.includes('user:default/carol') &&
                /succe/i.test(l),
            ),
          ).toBe(true);
        },
      );
    });
  });
});
