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

import { createBackendModule } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { dingtalkOrgEntityProviderTransformExtensionPoint } from './extensions';
import {
  defaultGroupTransformer,
  defaultUserTransformer,
} from './lib/transformers';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  createOrgEmulator,
  entity,
  eventually,
  SRE,
  startOrgBackend,
} from './__testUtils__/orgBackend';

jest.setTimeout(120_000);

describe('DingTalk organisation in the catalog', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;

  beforeEach(async () => {
    emu = await createOrgEmulator();
  });
  afterEach(() => emu.close());

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('a full sync makes departments Groups and people Users with their DingTalk annotations', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await startOrgBackend({
        knex,
        emu,
        provider: {
          schedule: { frequency: { hours: 24 }, timeout: { minutes: 10 } },
          includeMobile: true,
        },
      });
      try {
        const alice = await eventually(async () => {
          const e = await entity(s, 'user', 'alice');
          if (!e) throw new Error('user:default/alice is not in the catalog');
          return e;
        });
        expect(alice.metadata.annotations).toMatchObject({
          'dingtalk.com/user-id': 'alice',
          'dingtalk.com/union-id': 'union-alice',
          'dingtalk.com/dept-id': String(SRE),
          'dingtalk.com/corp-id': APP.corpId,
          'dingtalk.com/mobile': '13800000001',
          'backstage.io/managed-by-location': 'dingtalk-org:acme',
        });
        expect(alice.spec).toMatchObject({
          profile: { displayName: 'Alice Wang', email: 'alice@example.com' },
          memberOf: ['sre'],
        });
        const sre = await eventually(async () => {
          const e = await entity(s, 'group', 'sre');
          if (!e?.relations?.some(r => r.type === 'hasMember'))
            throw new Error('group:default/sre has no members yet');
          return e;
        });
        expect(sre.spec).toMatchObject({
          type: 'department',
          parent: 'org-corp',
          profile: { displayName: 'SRE' },
        });
        expect(
          sre
            .relations!.filter(r => r.type === 'hasMember')
            .map(r => r.targetRef)
            .sort(),
        ).toEqual(['user:default/alice', 'user:default/bob']);
        const root = await entity(s, 'group', 'org-corp');
        expect(root?.spec).toMatchObject({ type: 'organization' });
        expect(await entity(s, 'user', 'carol')).toBeDefined();
        // Every DingTalk call went through the dingtalk backend's client and
        // was counted in its usage: 1 root + 3 listsub + 3 user/list.
        const calls = emu.control.calls({ appKey: APP.appKey }).byApp[
          APP.appKey
        ].byApi;
        expect(calls).toMatchObject({
          'department.get': 1,
          'department.listsub': 3,
          'user.list': 3,
        });
        const usage = await request(s).get(
          '/api/dingtalk/integrations/acme/usage',
        );
        expect(usage.status).toBe(200);
        expect(usage.body.byApi).toMatchObject({
          'department.listsub': 3,
          'user.list': 3,
        });
      } finally {
        await backend.stop();
      }
    });

    it('an address-book event adds or removes a person within seconds, without a full sync', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await startOrgBackend({ knex, emu });
      try {
        await eventually(async () => {
          if (!(await entity(s, 'user', 'bob'))) throw new Error('no bob yet');
        });
        const listsBefore = emu.control.calls({ appKey: APP.appKey }).byApp[
          APP.appKey
        ].byApi['department.listsub'];
        const joined = await emu.control.orgAddUser({
          corpId: APP.corpId,
          userId: 'dave',
          name: 'Dave Chen',
          mobile: '13800000004',
          deptIds: [SRE],
        });
        expect(joined.pushes.map(p => p.delivered)).toEqual([true]);
        const started = Date.now();
        const dave = await eventually(async () => {
          const e = await entity(s, 'user', 'dave');
          if (!e) throw new Error('dave is not in the catalog yet');
          return e;
        }, 15_000);
        expect(Date.now() - started).toBeLessThan(15_000);
        expect(dave.spec).toMatchObject({ memberOf: ['sre'] });
        expect(dave.metadata.annotations?.['dingtalk.com/user-id']).toBe(
          'dave',
        );

        // carol moves to SRE: her groups follow
        await emu.control.orgUpdateUser({ userId: 'carol', deptIds: [SRE] });
        await eventually(async () =>
          expect((await entity(s, 'user', 'carol'))?.spec).toMatchObject({
            memberOf: ['sre'],
          }),
        );

        await emu.control.orgRemoveUser({ userId: 'bob' });
        await eventually(async () => {
          if (await entity(s, 'user', 'bob'))
            throw new Error('bob is still there');
        }, 15_000);

        const { deptId } = await emu.control.orgAddDepartment({
          corpId: APP.corpId,
          name: 'Platform',
          parentId: SRE,
        });
        const platform = await eventually(async () => {
          const e = await entity(s, 'group', 'platform');
          if (!e) throw new Error('no platform group yet');
          return e;
        }, 15_000);
        expect(platform.spec).toMatchObject({ parent: 'sre' });
        expect(platform.metadata.annotations?.['dingtalk.com/dept-id']).toBe(
          String(deptId),
        );
        await emu.control.orgRemoveDepartment({ corpId: APP.corpId, deptId });
        await eventually(async () => {
          if (await entity(s, 'group', 'platform'))
            throw new Error('the platform group is still there');
        }, 15_000);
        // No full sync ran meanwhile: the tree was not listed again.
        expect(
          emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi[
            'department.listsub'
          ],
        ).toBe(listsBefore);
      } finally {
        await backend.stop();
      }
    });

    it('maps people and departments through the transformers a module sets, once each', async () => {
      const knex = await databases.init(databaseId);
      const refused: string[] = [];
      const transforms = createBackendModule({
        pluginId: 'catalog',
        moduleId: 'dingtalk-org-transforms',
        register(env) {
          env.registerInit({
            deps: {
              dingtalk: dingtalkOrgEntityProviderTransformExtensionPoint,
            },
            async init({ dingtalk }) {
              dingtalk.setUserTransformer(async (user, ctx) => {
                // carol is left out; everyone else gets a name of our choosing
                if (user.userId === 'carol') return undefined;
                const e = await defaultUserTransformer(user, ctx);
                e!.metadata.name = `${user.userId}-dt`;
                return e;
              });
              dingtalk.setGroupTransformer(async (dept, ctx) => {
                const e = await defaultGroupTransformer(dept, ctx);
                e!.metadata.description = `DingTalk department ${dept.deptId}`;
                return e;
              });
              try {
                dingtalk.setUserTransformer(defaultUserTransformer);
              } catch (e) {
                refused.push((e as Error).message);
              }
            },
          });
        },
      });
      const { backend, s } = await startOrgBackend({
        knex,
        emu,
        features: [transforms],
      });
      try {
        const alice = await eventually(async () => {
          const e = await entity(s, 'user', 'alice-dt');
          if (!e) throw new Error('user:default/alice-dt is not there yet');
          return e;
        });
        expect(alice.metadata.annotations?.['dingtalk.com/user-id']).toBe(
          'alice',
        );
        await eventually(async () =>
          expect((await entity(s, 'group', 'sre'))?.metadata.description).toBe(
            `DingTalk department ${SRE}`,
          ),
        );
        expect(await entity(s, 'user', 'alice')).toBeUndefined();
        expect(await entity(s, 'user', 'carol')).toBeUndefined();
        expect(refused).toEqual([
          'The DingTalk user transformer is set already',
        ]);
      } finally {
        await backend.stop();
      }
    });

    it('a synced person gets messages and acts from cards as their catalog user, with no H5 link', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s, clicks } = await startOrgBackend({ knex, emu });
      try {
        await eventually(async () => {
          if (!(await entity(s, 'user', 'bob'))) throw new Error('no bob yet');
        });
        // Nobody linked anything: the links table is empty.
        expect(
          (await request(s).get('/api/dingtalk/links?integrationId=acme')).body
            .items,
        ).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              userEntityRef: 'user:default/bob',
              dingtalkUserId: 'bob',
              source: 'sync',
            }),
          ]),
        );
        await eventually(() => {
          if (!emu.state.apps.get(APP.appKey)!.cardApiSecret)
            throw new Error('the card callback is not registered yet');
        });
        const sent = await request(s)
          .post('/api/dingtalk/notify/send')
          .send({
            integrationId: 'acme',
            users: ['user:default/bob', 'user:default/nobody'],
            message: {
              type: 'card',
              outTrackId: 'incident-org-1',
              title: 'Checkout down',
              markdown: 'checkout-api 5xx',
              actions: [{ id: 'acknowledge', label: 'Acknowledge' }],
              callback: { pluginId: 'cardowner', path: '/card-action' },
            },
          })
          .expect(200);
        const outcome = Object.fromEntries(
          sent.body.results.map((r: any) => [r.recipient, r.outcome]),
        );
        // "app not linked" only for someone outside the synced organisation.
        expect(outcome).toEqual({
          'user:default/bob': 'sent',
          'user:default/nobody': 'app not linked',
        });
        const click = await emu.control.clickCardButton({
          outTrackId: 'incident-org-1',
          userId: 'bob',
          actionId: 'acknowledge',
        });
        expect(click.status).toBe(200);
        expect(clicks).toEqual([
          expect.objectContaining({
            dingtalkUserId: 'bob',
            userEntityRef: 'user:default/bob',
            action: 'acknowledge',
          }),
        ]);
      } finally {
        await backend.stop();
      }
    });
  });
});
