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
import type { EventsService } from '@backstage/plugin-events-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import {
  APP,
  callsOf,
  createOrgEmulator,
  entity,
  eventsHandle,
  eventually,
  PAYMENTS,
  SRE,
  startOrgBackend,
  stays,
} from './__testUtils__/orgBackend';

jest.setTimeout(180_000);

describe('DingTalk address-book events: order, races and failures', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;

  beforeEach(async () => {
    emu = await createOrgEmulator();
  });
  afterEach(() => emu.close());

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('a person who joins and leaves before the catalog processed them is gone; a failed delta is tried again', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await startOrgBackend({ knex, emu });
      try {
        await eventually(async () => {
          if (!(await entity(s, 'user', 'bob'))) throw new Error('no bob yet');
        });
        const gets = callsOf(emu, 'user.get');
        await emu.control.orgAddUser({
          corpId: APP.corpId,
          userId: 'dave',
          name: 'Dave',
          mobile: '13900000010',
          deptIds: [SRE],
        });
        // The join's delta read dave; he leaves at once.
        await eventually(() => {
          if (callsOf(emu, 'user.get') <= gets) throw new Error('not read yet');
        });
        await emu.control.orgRemoveUser({ userId: 'dave' });
        await eventually(async () => {
          if (await entity(s, 'user', 'dave')) throw new Error('dave is there');
        });
        await stays(async () => {
          expect(await entity(s, 'user', 'dave')).toBeUndefined();
        }, 5_000);

        // DingTalk fails the next reads of a person: the delta is retried.
        emu.control.injectFault({ api: 'user.get', kind: '5xx', count: 4 });
        await emu.control.orgAddUser({
          corpId: APP.corpId,
          userId: 'erin',
          name: 'Erin',
          mobile: '13900000011',
          deptIds: [SRE],
        });
        await eventually(async () => {
          if (!(await entity(s, 'user', 'erin')))
            throw new Error('erin is not there');
        }, 60_000);
      } finally {
        await backend.stop();
      }
    });

    it('a person who leaves during a long full read stays gone', async () => {
      const knex = await databases.init(databaseId);
      // Payments → Deep → Deeper: two levels read after carol's department.
      const deep = await emu.control.orgAddDepartment({
        corpId: APP.corpId,
        name: 'Deep',
        parentId: PAYMENTS,
      });
      await emu.control.orgAddDepartment({
        corpId: APP.corpId,
        name: 'Deeper',
        parentId: deep.deptId,
      });
      let { backend, s } = await startOrgBackend({ knex, emu });
      try {
        await eventually(async () => {
          if (!(await entity(s, 'user', 'carol'))) throw new Error('no carol');
          if (!(await entity(s, 'group', 'deeper')))
            throw new Error('no deeper');
        });
        await backend.stop();
        // Every listsub takes 4 s: carol's department is read early, the
        // read ends (and is applied) only after Deep's and Deeper's, 8 s
        // later.
        emu.control.injectFault({
          api: 'department.listsub',
          kind: 'latency',
          ms: 4_000,
          count: 5,
        });
        const lists = callsOf(emu, 'user.list');
        // The backend's start runs the first full sync: the leave is
        // published while it is under way.
        const handle: { events?: EventsService } = {};
        const starting = startOrgBackend({
          knex,
          emu,
          features: [eventsHandle(handle)],
        });
        await eventually(() => {
          if (!handle.events || callsOf(emu, 'user.list') < lists + 3)
            throw new Error('Payments not read yet');
        }, 30_000);
        // (the read is still under way: else this test would prove nothing)
        expect(callsOf(emu, 'user.list')).toBeLessThan(lists + 5);
        emu.state.users.delete('carol');
        await handle.events!.publish({
          topic: 'dingtalk.contact',
          eventPayload: {
            integrationId: 'acme',
            corpId: APP.corpId,
            eventType: 'user_leave_org',
            userIds: ['carol'],
          },
        });
        ({ backend, s } = await starting);
        // The full read finished with carol in it; the leave came after.
        await eventually(async () => {
          if (await entity(s, 'user', 'carol'))
            throw new Error('carol is there');
        });
        await stays(async () => {
          expect(await entity(s, 'user', 'carol')).toBeUndefined();
        }, 5_000);
      } finally {
        await backend.stop();
      }
    });

    it('ignores a malformed dingtalk.contact payload', async () => {
      const knex = await databases.init(databaseId);
      const handle: { events?: EventsService } = {};
      const { backend, s } = await startOrgBackend({
        knex,
        emu,
        features: [eventsHandle(handle)],
      });
      try {
        await eventually(async () => {
          if (!(await entity(s, 'user', 'bob'))) throw new Error('no bob yet');
        });
        // userIds a string, not a list: would read as bob leaving.
        await handle.events!.publish({
          topic: 'dingtalk.contact',
          eventPayload: {
            integrationId: 'acme',
            corpId: APP.corpId,
            eventType: 'user_leave_org',
            userIds: 'bob',
          },
        });
        await stays(async () => {
          expect(await entity(s, 'user', 'bob')).toBeDefined();
        }, 4_000);
      } finally {
        await backend.stop();
      }
    });

    it('tells a person DingTalk no longer has from an integration that is gone', async () => {
      const knex = await databases.init(databaseId);
      emu.control.createUser({
        corpId: APP.corpId,
        userId: 'integration-bot',
        name: 'Integration Bot',
        mobile: '13900000012',
        deptIds: [SRE],
      });
      const handle: { events?: EventsService } = {};
      const { backend, s } = await startOrgBackend({
        knex,
        emu,
        features: [eventsHandle(handle)],
      });
      try {
        await eventually(async () => {
          if (!(await entity(s, 'user', 'integration-bot')))
            throw new Error('no integration-bot yet');
        });
        // Gone from DingTalk; the event that says so is a modify. The 404
        // names the person (with "integration" in the userid), not the
        // integration: a removal, not a failure.
        emu.state.users.delete('integration-bot');
        await handle.events!.publish({
          topic: 'dingtalk.contact',
          eventPayload: {
            integrationId: 'acme',
            corpId: APP.corpId,
            eventType: 'user_modify_org',
            userIds: ['integration-bot'],
          },
        });
        await eventually(async () => {
          if (await entity(s, 'user', 'integration-bot'))
            throw new Error('integration-bot is still there');
        }, 10_000);
      } finally {
        await backend.stop();
      }
    });
  });
});
