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

import { TestDatabases } from '@backstage/backend-test-utils';
import {
  KubernetesValidatorFunctions,
  type Entity,
} from '@backstage/catalog-model';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  byAnnotation,
  callsOf,
  createOrgEmulator,
  entity,
  eventually,
  PAYMENTS,
  SRE,
  startOrgBackend,
  stays,
} from './__testUtils__/orgBackend';

jest.setTimeout(180_000);

const SCHEDULE = { frequency: { hours: 24 }, timeout: { minutes: 10 } };

describe('DingTalk organisation sync: names, collisions and safety', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;

  beforeEach(async () => {
    emu = await createOrgEmulator();
  });
  afterEach(() => emu.close());

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('gives colliding people and departments valid names, and a newcomer never renames anyone', async () => {
      const knex = await databases.init(databaseId);
      const long = 'a'.repeat(64);
      for (const [userId, n] of [
        ['li', 4],
        ['li@', 5],
        [long, 6],
        [`A${long.slice(1)}`, 7],
      ] as const)
        emu.control.createUser({
          corpId: APP.corpId,
          userId,
          name: `Person ${n}`,
          mobile: `1390000000${n}`,
          deptIds: [SRE],
        });
      for (const parent of [SRE, PAYMENTS])
        await emu.control.orgAddDepartment({
          corpId: APP.corpId,
          name: 'Backend',
          parentId: parent,
        });
      let { backend, s } = await startOrgBackend({ knex, emu });
      try {
        const userIds = ['li', 'li@', long, `A${long.slice(1)}`];
        const names = await eventually(async () => {
          const out: string[] = [];
          for (const id of userIds) {
            const [e] = await byAnnotation(
              s,
              'user',
              'dingtalk.com/user-id',
              id,
            );
            if (!e) throw new Error(`${id} is not in the catalog`);
            out.push(e.metadata.name);
          }
          return out;
        }, 30_000);
        for (const n of names)
          expect(KubernetesValidatorFunctions.isValidObjectName(n)).toBe(true);
        expect(new Set(names).size).toBe(4);
        const backends = await eventually(async () => {
          const { body } = await request(s)
            .get('/api/catalog/entities/by-query')
            .query({ filter: 'kind=group,spec.profile.displayName=Backend' });
          if (body.items?.length !== 2) throw new Error('not both Backends');
          return body.items as Entity[];
        });
        for (const g of backends)
          expect(
            KubernetesValidatorFunctions.isValidObjectName(g.metadata.name),
          ).toBe(true);

        // A second Bob joins (no event: found by the next full sync).
        emu.control.createUser({
          corpId: APP.corpId,
          userId: 'Bob',
          name: 'Bob Two',
          mobile: '13900000008',
          deptIds: [SRE],
        });
        await backend.stop();
        ({ backend, s } = await startOrgBackend({ knex, emu }));
        const [bob2] = await eventually(async () => {
          const found = await byAnnotation(
            s,
            'user',
            'dingtalk.com/user-id',
            'Bob',
          );
          if (found.length === 0) throw new Error('no second bob yet');
          return found;
        }, 30_000);
        expect(bob2.metadata.name).toMatch(/^bob-[0-9a-f]{8}$/);
        await stays(async () => {
          const bob = await entity(s, 'user', 'bob');
          expect(bob?.metadata.annotations?.['dingtalk.com/user-id']).toBe(
            'bob',
          );
        }, 2_000);
        // Names do not move between syncs either.
        for (const [i, id] of userIds.entries())
          expect(
            (await byAnnotation(s, 'user', 'dingtalk.com/user-id', id))[0]
              ?.metadata.name,
          ).toBe(names[i]);
      } finally {
        await backend.stop();
      }
    });

    it('refuses a full sync that would remove most people, unless allowed', async () => {
      const knex = await databases.init(databaseId);
      let { backend, s } = await startOrgBackend({ knex, emu });
      try {
        await eventually(async () => {
          for (const n of ['alice', 'bob', 'carol'])
            if (!(await entity(s, 'user', n))) throw new Error(`no ${n} yet`);
        });
        // A wrong root department (SRE) and bob gone: four of the six
        // entities would go at once; erin is new in SRE.
        emu.state.users.delete('bob');
        emu.control.createUser({
          corpId: APP.corpId,
          userId: 'erin',
          name: 'Erin',
          mobile: '13900000009',
          deptIds: [SRE],
        });
        await backend.stop();
        const lists = callsOf(emu, 'user.list');
        ({ backend, s } = await startOrgBackend({
          knex,
          emu,
          provider: { schedule: SCHEDULE, rootDepartmentId: SRE },
        }));
        await eventually(() => {
          if (callsOf(emu, 'user.list') < lists + 1)
            throw new Error('the sync has not read the organisation yet');
        });
        await stays(async () => {
          expect(await entity(s, 'user', 'carol')).toBeDefined();
          expect(await entity(s, 'user', 'erin')).toBeUndefined();
        }, 5_000);
        await backend.stop();
        ({ backend, s } = await startOrgBackend({
          knex,
          emu,
          provider: {
            schedule: SCHEDULE,
            rootDepartmentId: SRE,
            allowMassRemoval: true,
          },
        }));
        await eventually(async () => {
          expect(await entity(s, 'user', 'erin')).toBeDefined();
          expect(await entity(s, 'user', 'carol')).toBeUndefined();
        }, 30_000);
      } finally {
        await backend.stop();
      }
    });

    it('does not put mobile numbers in the catalog unless asked', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await startOrgBackend({
        knex,
        emu,
        provider: { schedule: SCHEDULE },
      });
      try {
        const alice = await eventually(async () => {
          const e = await entity(s, 'user', 'alice');
          if (!e) throw new Error('no alice yet');
          return e;
        });
        expect(alice.metadata.annotations?.['dingtalk.com/mobile']).toBe(
          undefined,
        );
      } finally {
        await backend.stop();
      }
    });
  });
});
