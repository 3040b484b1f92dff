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
import type { Knex } from 'knex';
import { testClient } from '../__testUtils__/client';
import { migratedDatabase } from '../__testUtils__/database';
import { createUsers, testApp, useEmulator } from '../__testUtils__/emulator';
import { DingtalkApiError } from './errors';
import { DingtalkQuotaCounter } from './DingtalkQuotaCounter';
import {
  DingtalkRateLimiter,
  unauthenticatedShare,
} from './DingtalkRateLimiter';

const APP = testApp({ corpId: 'dinglanes', appKey: 'dinglanesclient' });

function client(
  emu: EmulatorHandle,
  db: Knex,
  unauthenticatedBudget?: { perDay?: number; perMonth?: number },
) {
  return testClient(emu, db, APP, {
    limiter: new DingtalkRateLimiter({ db }),
    quota: new DingtalkQuotaCounter({ db }),
    unauthenticatedBudget,
  });
}

describe('the unauthenticated lane', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  const env = useEmulator(APP, emu => createUsers(emu, APP.corpId, 16));

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let db: Knex;
    let emu: EmulatorHandle;
    beforeEach(async () => {
      emu = env.emu;
      db = await migratedDatabase(databases, databaseId);
    });

    it('takes at most its share of a second, and pages queued behind a flood of sign-ins go first', async () => {
      const c = client(emu, db);
      await c.getAccessToken();
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'On-call',
        ownerUserId: 'u0',
        memberUserIds: ['u0'],
      });
      group.coolApps.push(APP.appKey);
      // 32 pages into one group: DingTalk's per-group robot rate (about 20 a
      // minute) is not what this is about
      emu.control.setRobotGroupRate({ perMinute: 1000 });
      const pages = async () => {
        const started = Date.now();
        const latencies = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            c
              .sendGroupMessage({
                openConversationId: group.openConversationId,
                msgKey: 'sampleText',
                msgParam: { content: `page ${i}` },
              })
              .then(() => Date.now() - started),
          ),
        );
        return Math.max(...latencies);
      };
      // Both runs start early in a second, so that they compare alike.
      const earlyInASecond = () =>
        new Promise(r => setTimeout(r, 1050 - (Date.now() % 1000)));
      // How long 16 pages take on this machine with nothing else going on.
      await earlyInASecond();
      const alone = await pages();
      await earlyInASecond();
      // 60 anonymous sign-ins with codes DingTalk will refuse, then 16 pages.
      const signIns = Array.from({ length: 60 }, (_, i) =>
        c
          .getUserInfoByCode(`guessed-code-${i}`, { lane: 'unauthenticated' })
          .then(
            () => 'accepted',
            e => (e as DingtalkApiError).code,
          ),
      );
      const flooded = await pages();
      // The sign-ins take at most one slot a second (Standard): the pages
      // are not held up by them. Queued behind them, as every call was
      // before there were lanes, they would wait 3 s more (60 calls at 18/s).
      expect(flooded).toBeLessThan(alone + 1_000);
      const outcomes = await Promise.all(signIns);
      // the lane waits at most 2 s: the rest are refused without a call
      const made = emu.control.calls({
        appKey: APP.appKey,
        api: 'user.getuserinfo',
      }).byApp[APP.appKey].byApi['user.getuserinfo'];
      expect(made).toBeLessThanOrEqual(4 * unauthenticatedShare(20));
      expect(
        outcomes.filter(o => o === 'unauthenticated-lane-busy').length,
      ).toBe(60 - made);
      const usage = await new DingtalkQuotaCounter({ db }).usage(APP.appKey);
      // shown apart: DingTalk does not meter user info by login code
      expect(usage.exemptByApi['user.getuserinfo@unauthenticated']).toBe(made);
      expect(usage.calls).toBe(32); // the two runs of 16 pages
    });

    it('stops calling DingTalk once its own budget is used up, and leaves the quota to the rest', async () => {
      const c = client(emu, db, { perDay: 3 });
      for (let i = 0; i < 3; i++)
        await expect(
          c.getUserInfoByCode(`guessed-code-${i}`, { lane: 'unauthenticated' }),
        ).rejects.toMatchObject({ code: '40078' });
      const before = emu.control.calls({ appKey: APP.appKey }).total;
      for (let i = 0; i < 5; i++)
        await expect(
          c.getUserInfoByCode(`guessed-code-x${i}`, {
            lane: 'unauthenticated',
          }),
        ).rejects.toMatchObject({
          kind: 'quota',
          code: 'unauthenticated-budget-exhausted',
        });
      expect(emu.control.calls({ appKey: APP.appKey }).total).toBe(before);
      // authenticated work still reaches DingTalk
      await expect(c.getUserByMobile('13900000001')).resolves.toEqual({
        userId: 'u1',
      });
      // the lane's budget counts its calls, but the month does not: neither
      // user info by login code nor user by mobile is metered by DingTalk
      expect(
        await new DingtalkQuotaCounter({ db }).monthCalls(APP.appKey),
      ).toBe(0);
      expect(
        (await new DingtalkQuotaCounter({ db }).usage(APP.appKey)).exemptByApi,
      ).toEqual({
        'user.getuserinfo@unauthenticated': 3,
        'user.getbymobile': 1,
      });
    });
  });
});
