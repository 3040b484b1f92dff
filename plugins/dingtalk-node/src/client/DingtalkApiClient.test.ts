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
import { memoryCache, testClient } from '../__testUtils__/client';
import { migratedDatabase } from '../__testUtils__/database';
import { createUsers, testApp, useEmulator } from '../__testUtils__/emulator';
import { DingtalkApiError } from './errors';
import { DingtalkQuotaCounter } from './DingtalkQuotaCounter';
import { DingtalkRateLimiter } from './DingtalkRateLimiter';

const APP = testApp({ corpId: 'dingcorp', appKey: 'dingclient' });

function replica(emu: EmulatorHandle, db: Knex, cache = memoryCache()) {
  return testClient(emu, db, APP, {
    cache,
    limiter: new DingtalkRateLimiter({ db }),
    quota: new DingtalkQuotaCounter({ db }),
    sleep: ms => new Promise(r => setTimeout(r, Math.min(ms, 20))),
  });
}

describe('DingtalkApiClient against the emulator', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  const env = useEmulator(APP, emu => createUsers(emu, APP.corpId, 45));
  let emu: EmulatorHandle;
  beforeEach(() => {
    emu = env.emu;
  });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let db: Knex;
    beforeEach(async () => {
      db = await migratedDatabase(databases, databaseId);
    });

    it('sends, resolves users and counts every metered call in the quota, and the exempt ones apart', async () => {
      const client = replica(emu, db);
      const sent = await client.batchSendOToMessages({
        userIds: ['u1', 'u2', 'ghost'],
        msgKey: 'sampleText',
        msgParam: { content: 'hi' },
      });
      expect(sent.invalidStaffIdList).toEqual(['ghost']);
      expect(await client.getUserByMobile('13900000003')).toEqual({
        userId: 'u3',
      });
      expect(await client.getUserByMobile('10000000000')).toBeUndefined();
      const quota = new DingtalkQuotaCounter({ db });
      // DingTalk does not meter the user-by-mobile lookup
      expect(await quota.monthCalls(APP.appKey)).toBe(1);
      const usage = await quota.usage(APP.appKey);
      expect(usage.byApi).toEqual({ 'robot.oToMessages.batchSend': 1 });
      expect(usage.exemptByApi).toEqual({ 'user.getbymobile': 2 });
      expect(emu.control.calls().byApp[APP.appKey].tokenFetches).toBe(1);
    });

    it('keeps two replicas together under 20 QPS and loses no call', async () => {
      // The second replica has its own database connection, as another
      // process would.
      const other = await databases.init(databaseId).catch(() => undefined);
      const a = replica(emu, db);
      const b = replica(
        emu,
        databaseId === 'SQLITE_3' || !other ? db : cloneConnection(db),
      );
      const calls = Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).batchSendOToMessages({
          userIds: [`u${i % 45}`],
          msgKey: 'sampleText',
          msgParam: { content: String(i) },
        }),
      );
      await Promise.all(calls);
      const report = emu.control.calls().byApp[APP.appKey];
      expect(report.byApi['robot.oToMessages.batchSend']).toBe(60);
      expect(report.rejectedQps).toBe(0);
      expect(report.maxPerSecond).toBeLessThanOrEqual(20);
      expect(emu.state.messages).toHaveLength(60);
    }, 30_000);

    it('retries 5xx and flow control, but not 4xx', async () => {
      const client = replica(emu, db);
      emu.control.injectFault({
        api: 'robot.oToMessages.batchSend',
        kind: '5xx',
        count: 2,
      });
      emu.control.injectFault({
        api: 'user.getbymobile',
        kind: 'flowControl',
        count: 1,
      });
      await client.batchSendOToMessages({
        userIds: ['u1'],
        msgKey: 'sampleText',
        msgParam: { content: 'x' },
      });
      expect(await client.getUserByMobile('13900000001')).toEqual({
        userId: 'u1',
      });
      const error = await client
        .sendGroupMessage({
          openConversationId: 'cid-missing',
          msgKey: 'sampleText',
          msgParam: {},
        })
        .catch(e => e);
      expect(error).toBeInstanceOf(DingtalkApiError);
      expect(error.kind).toBe('client');
      expect(
        emu.control.calls().byApp[APP.appKey].byApi['robot.groupMessages.send'],
      ).toBe(1);
    });

    it('gives up after its attempts on a persistent outage', async () => {
      const client = replica(emu, db);
      emu.control.injectFault({ api: '*', kind: '5xx', share: 1 });
      const error = await client.getUserByMobile('13900000001').catch(e => e);
      expect(error.kind).toBe('server');
      expect(error.code).toBe('-1'); // oapi's "系统繁忙"
    });

    it('replaces a token DingTalk no longer accepts, once', async () => {
      const client = replica(emu, db);
      await client.getUserByMobile('13900000001');
      emu.state.tokens.clear(); // DingTalk forgot every token
      expect(await client.getUserByMobile('13900000002')).toEqual({
        userId: 'u2',
      });
      expect(emu.control.calls().byApp[APP.appKey].tokenFetches).toBe(2);
    });

    it('refreshes the token on errcode 88 with sub_code 40014, once', async () => {
      const client = replica(emu, db);
      await client.getUserByMobile('13900000001');
      // DingTalk's /topapi answers a revoked token as 鉴权异常 (88) with the
      // cause in sub_code
      emu.control.injectFault({
        api: 'user.getbymobile',
        kind: 'invalidToken',
        count: 1,
      });
      expect(await client.getUserByMobile('13900000002')).toEqual({
        userId: 'u2',
      });
      expect(emu.control.calls().byApp[APP.appKey].tokenFetches).toBe(2);

      emu.control.injectFault({
        api: 'user.getbymobile',
        kind: 'invalidToken',
        share: 1,
      });
      const error = await client.getUserByMobile('13900000003').catch(e => e);
      expect(error).toBeInstanceOf(DingtalkApiError);
      expect(error.kind).toBe('auth');
      expect(error.code).toBe('40014');
      expect(error.message).toContain('errcode 88');
      expect(error.message).toContain('不合法的access_token');
      // one new token for the failed call, not one per attempt
      expect(emu.control.calls().byApp[APP.appKey].tokenFetches).toBe(3);
    });

    it('refuses to call DingTalk once the monthly quota is used up', async () => {
      const day = new Date().toISOString().slice(0, 10);
      await db('dingtalk_usage').insert({
        client_id: APP.appKey,
        day,
        api: 'robot.oToMessages.batchSend',
        calls: 10_000,
      });
      const client = replica(emu, db);
      const error = await client
        .batchSendOToMessages({
          userIds: ['u1'],
          msgKey: 'sampleText',
          msgParam: { content: 'hi' },
        })
        .catch(e => e);
      expect(error.kind).toBe('quota');
      expect(
        emu.control.calls().byApp[APP.appKey]?.byApi[
          'robot.oToMessages.batchSend'
        ],
      ).toBeUndefined();
      // An API DingTalk does not meter keeps working, as it does at DingTalk.
      await expect(client.getUserByMobile('13900000001')).resolves.toEqual({
        userId: 'u1',
      });
    });
  });

  it('fetches one token for two replicas sharing a cache and a database', async () => {
    const db = await migratedDatabase(databases, 'SQLITE_3');
    const cache = memoryCache();
    const a = replica(emu, db, cache);
    const b = replica(emu, db, cache);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).getUserByMobile(`1390000${String(i).padStart(4, '0')}`),
      ),
    );
    expect(emu.control.calls().byApp[APP.appKey].tokenFetches).toBe(1);
  });
});

function cloneConnection(db: Knex): Knex {
  // knex instances are cheap: a second pool to the same database stands in
  // for a second backend process.
  const knexFactory = require('knex');
  return knexFactory(db.client.config);
}
