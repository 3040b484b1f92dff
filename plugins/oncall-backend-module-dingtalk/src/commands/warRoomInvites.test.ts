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
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  MINUTE,
  SERVICE,
  slowly,
  startOncallWithDingtalk as start,
  user,
} from '../__testUtils__/backend';
import { MOBILE, startEmulator } from '../__testUtils__/emulator';
import {
  linkAllByMobile,
  putRule,
  userTarget,
} from '../__testUtils__/oncallApi';
import { TestPolicy } from '../__testUtils__/policy';

jest.setTimeout(180_000);

const MEMBER_ADD = 'im.chat.scenegroup.member.add';

describe('responders paged by later escalation steps join the war room', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({
      people: { alice: 'Alice', bob: 'Bob', carol: 'Carol', mockdt: 'Mock' },
      warRoomTemplate: true,
      emulator: { port: 0 },
    });
  });
  afterEach(() => emu.close());

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('invites each newly paged person once, and nobody twice', async () => {
      const knex = await databases.init(databaseId);
      const { server, backend, clock, tick } = await start(emu, {
        knex,
        entities: [user('carol', MOBILE.carol)],
        policy: new TestPolicy({ admins: ['user:default/mock'] }),
      });
      try {
        await linkAllByMobile(server);
        const step = (ref: string) => ({
          delayMinutes: 5,
          targets: [userTarget(ref)],
        });
        await putRule(server, [
          { ...step('user:default/alice'), delayMinutes: 0 },
          step('user:default/bob'),
          // bob again, e.g. a second line that includes the first
          step('user:default/bob'),
          step('user:default/carol'),
        ]);
        const created = await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Checkout down',
            serviceRef: SERVICE,
            severity: 'critical',
          })
          .expect(201);
        const id = created.body.id;
        const notifiedAt = async (stepNo: number) => {
          const { timeline } = (
            await request(server).get(`/api/oncall/incidents/${id}`).expect(200)
          ).body;
          expect(
            timeline.filter(
              (e: any) => e.type === 'notification' && e.data?.step === stepNo,
            ),
          ).not.toEqual([]);
        };
        await slowly(() => notifiedAt(1));

        const room = await request(server)
          .post(`/api/oncall/incidents/${id}/war-room`)
          .send({ channel: 'dingtalk' })
          .expect(201);
        const members = () =>
          emu.control.groups().find(g => g.openConversationId === room.body.id)
            ?.members ?? [];
        const invites = () =>
          emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi[
            MEMBER_ADD
          ] ?? 0;
        // alice, paged by step 1, is in the room from the start
        expect(members()).toContain('alice');
        expect(members()).not.toContain('bob');
        const before = invites();

        const nextStep = async (stepNo: number) => {
          clock.now += 10 * MINUTE;
          await tick();
          await slowly(() => notifiedAt(stepNo));
        };
        // step 2 pages bob: he is invited
        await nextStep(2);
        await slowly(() => expect(members()).toContain('bob'));
        expect(invites()).toBe(before + 1);
        // step 3 pages bob again: he is in the room already, no second invite
        await nextStep(3);
        // step 4 pages carol: she is invited (the one invite since step 2)
        await nextStep(4);
        await slowly(() => expect(members()).toContain('carol'));
        expect(invites()).toBe(before + 2);
        expect(members().filter(m => m === 'bob')).toEqual(['bob']);
      } finally {
        await backend.stop();
      }
    });
  });
});
