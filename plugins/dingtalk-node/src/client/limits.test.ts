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
import type { Knex } from 'knex';
import { testClient } from '../__testUtils__/client';
import { migratedDatabase } from '../__testUtils__/database';
import { testApp, U1, useEmulator } from '../__testUtils__/emulator';
import { dingtalkFlowControlScope, dingtalkRetryDelayMs } from './backoff';
import { classifyDingtalkError } from './errors';
import { DingtalkQuotaCounter } from './DingtalkQuotaCounter';
import { DingtalkRateLimiter } from './DingtalkRateLimiter';

jest.setTimeout(60_000);

const APP = testApp({ corpId: 'dinglimits', appKey: 'dinglimitsclient' });

const earlyInASecond = () =>
  new Promise(r => setTimeout(r, 1020 - (Date.now() % 1000)));

describe('flow control per app per API', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let db: Knex;
    beforeEach(async () => {
      db = await migratedDatabase(databases, databaseId);
    });

    it("gives each API of an app the edition's budget of every second, shared by every replica", async () => {
      const a = new DingtalkRateLimiter({ db });
      const b = new DingtalkRateLimiter({ db });
      await earlyInASecond();
      const second = Math.floor(Date.now() / 1000);
      // 20 QPS keeps 18 a second; two replicas, two APIs, 18 calls each
      const granted = await Promise.all(
        Array.from({ length: 36 }, (_, i) =>
          (i % 3 ? a : b)
            .acquire('app', 20, {
              api: i % 2 ? 'robot.groupMessages.send' : 'card.instances.update',
            })
            .then(() => Math.floor(Date.now() / 1000)),
        ),
      );
      // neither API waited for the other: all in the same second
      expect(granted.every(s => s === second)).toBe(true);
      // the 19th call of one API waits for the next second
      await a.acquire('app', 20, { api: 'card.instances.update' });
      expect(Math.floor(Date.now() / 1000)).toBeGreaterThan(second);
      // another app's window is its own
      await earlyInASecond();
      const other = Math.floor(Date.now() / 1000);
      await Promise.all(
        Array.from({ length: 18 }, () =>
          a.acquire('other-app', 20, { api: 'card.instances.update' }),
        ),
      );
      expect(Math.floor(Date.now() / 1000)).toBe(other);
    });
  });
});

describe("DingTalk's flow-control codes", () => {
  it('are told apart and backed off from as each deserves', () => {
    const err = (code: string, status = 200) => ({
      kind: classifyDingtalkError(code, status),
      code,
    });
    // per app per API, old and new style
    expect(dingtalkFlowControlScope(err('90018'))).toBe('app-api');
    expect(
      dingtalkFlowControlScope(
        err('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', 403),
      ),
    ).toBe('app-api');
    // one API over its limit across all of DingTalk
    expect(dingtalkFlowControlScope(err('90002'))).toBe('api');
    expect(
      dingtalkFlowControlScope(
        err('Forbidden.AccessDenied.QpsLimitForApi', 403),
      ),
    ).toBe('api');
    expect(dingtalkFlowControlScope(err('130101'))).toBe('robot-group');
    expect(dingtalkFlowControlScope(err('-1', 500))).toBeUndefined();

    const at = { now: () => 1_700_000_000_250, random: () => 0 };
    // the app's own window: the next second has room
    expect(dingtalkRetryDelayMs(err('90018'), 1, at)).toBe(750);
    expect(dingtalkRetryDelayMs(err('90018'), 3, at)).toBe(750);
    // DingTalk-wide load: at least half a second, doubling
    const global = [1, 2, 3, 4].map(n =>
      dingtalkRetryDelayMs(err('90002'), n, at),
    );
    expect(global).toEqual([500, 1000, 2000, 4000]);
    expect(
      dingtalkRetryDelayMs(err('90002'), 3, { ...at, random: () => 0.999 }),
    ).toBeLessThan(4000);
    // a group throttled for minutes: no retry now
    expect(dingtalkRetryDelayMs(err('130101'), 1, at)).toBeUndefined();
    // a server error: the short backoff as before
    expect(dingtalkRetryDelayMs(err('-1', 503), 1, at)).toBe(50);
  });
});

describe('an integration whose limits are overridden', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  const env = useEmulator(APP, emu => {
    emu.control.createUser({ corpId: APP.corpId, ...U1 });
  });

  it.each(databases.eachSupportedId())(
    'keeps to its own monthly quota, not the edition table (%p)',
    async databaseId => {
      const { emu } = env;
      const db = await migratedDatabase(databases, databaseId);
      const client = testClient(emu, db, APP, {
        limits: { monthlyQuota: 2 },
        limiter: new DingtalkRateLimiter({ db }),
        quota: new DingtalkQuotaCounter({ db }),
      });
      expect(client.limits).toEqual({ qps: 20, monthlyQuota: 2 });
      const send = () =>
        client.batchSendOToMessages({
          userIds: ['u1'],
          msgKey: 'sampleText',
          msgParam: { content: 'hi' },
        });
      await send();
      await send();
      await expect(send()).rejects.toMatchObject({
        kind: 'quota',
        code: 'quota-exhausted',
        message: expect.stringContaining('monthly quota of 2 calls'),
      });
      // exempt APIs still answer
      await expect(client.getUserByMobile('13900000001')).resolves.toEqual({
        userId: 'u1',
      });
      expect(
        emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi,
      ).toEqual({ 'robot.oToMessages.batchSend': 2, 'user.getbymobile': 1 });
    },
  );
});
