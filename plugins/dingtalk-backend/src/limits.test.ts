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
  INTEGRATION_BODY,
  startDingtalkBackend,
  withDingtalkBackend,
  dingtalkConfig,
  APP_CREDENTIALS,
} from './__testUtils__/backend';
import { person, emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(120_000);

describe('per-integration limits (an admin corrects the edition table)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      people: [person('alice', '13900000001', 'Alice')],
    },
    e => (emu = e),
  );

  it.each(databases.eachSupportedId())(
    'are saved through the API, enforced by the client, shown by the usage view and reset with {} (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const backend = await startDingtalkBackend({ knex, emu });
      // Every change of an integration re-registers its card callback in
      // the background: a metered call. Wait for it, so the counts are exact.
      const registered = async (n: number) => {
        for (let i = 0; i < 200; i++) {
          const byApi =
            emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey]
              ?.byApi ?? {};
          if ((byApi['card.callbacks.register'] ?? 0) >= n) break;
          await new Promise(r => setTimeout(r, 50));
        }
        // and for the usage row written after the answer
        await new Promise(r => setTimeout(r, 100));
      };
      try {
        const created = await request(backend.server)
          .post('/api/dingtalk/integrations')
          .send({ ...INTEGRATION_BODY, limits: { qps: 5, monthlyQuota: 3 } })
          .expect(201);
        expect(created.body.limits).toEqual({ qps: 5, monthlyQuota: 3 });
        const read = await request(backend.server)
          .get('/api/dingtalk/integrations/acme')
          .expect(200);
        expect(read.body.limits).toEqual({ qps: 5, monthlyQuota: 3 });
        await registered(1);

        const usage = async () =>
          (
            await request(backend.server)
              .get('/api/dingtalk/integrations/acme/usage')
              .expect(200)
          ).body;
        const before = await usage();
        expect(before).toMatchObject({
          quota: 3,
          qpsLimit: 5,
          limitsSource: 'override',
        });
        // Room for 3 more calls after the re-registration this change makes.
        await request(backend.server)
          .put('/api/dingtalk/integrations/acme')
          .send({ limits: { qps: 5, monthlyQuota: before.calls + 1 + 3 } })
          .expect(200);
        await registered(2);
        const earlier: number = (await usage()).calls;
        expect(earlier).toBe(before.calls + 1);

        const group = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'G',
          ownerUserId: 'alice',
          memberUserIds: ['alice'],
        });
        group.coolApps.push(APP.appKey);
        const send = async () =>
          (
            await request(backend.server)
              .post('/api/dingtalk/notify/send')
              .send({
                groups: [group.openConversationId],
                message: { type: 'text', content: 'x' },
              })
              .expect(200)
          ).body.results[0].outcome;
        // The edition allows 10,000 a month; this integration 3 more.
        expect([await send(), await send(), await send()]).toEqual([
          'sent',
          'sent',
          'sent',
        ]);
        expect(await send()).toBe('quota exhausted');
        expect(
          emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi[
            'robot.groupMessages.send'
          ],
        ).toBe(3);
        // An API DingTalk does not meter still works with the quota used up,
        // and does not count in the month.
        const resolved = await request(backend.server)
          .post('/api/dingtalk/notify/resolve-users')
          .send({ mobiles: ['13900000001'] })
          .expect(200);
        expect(resolved.body.users).toEqual([
          { mobile: '13900000001', dingtalkUserId: 'alice' },
        ]);
        expect(await usage()).toMatchObject({
          calls: earlier + 3,
          percentUsed: 100,
          exemptByApi: { 'user.getbymobile': 1 },
        });

        // Bad values are refused with a clear 400.
        const bad = await request(backend.server)
          .put('/api/dingtalk/integrations/acme')
          .send({ limits: { qps: 0 } })
          .expect(400);
        expect(JSON.stringify(bad.body)).toContain(
          'limits.qps must be at least 1',
        );
        await request(backend.server)
          .put('/api/dingtalk/integrations/acme')
          .send({ limits: { monthlyQuota: 'many' } })
          .expect(400);

        // Raising the quota takes effect at once (one call for the
        // re-registration, one for a message).
        await request(backend.server)
          .put('/api/dingtalk/integrations/acme')
          .send({ limits: { monthlyQuota: earlier + 3 + 2 } })
          .expect(200);
        await registered(3);
        expect(await send()).toBe('sent');
        expect(await send()).toBe('quota exhausted');

        // {} goes back to the edition's table.
        const reset = await request(backend.server)
          .put('/api/dingtalk/integrations/acme')
          .send({ limits: {} })
          .expect(200);
        expect(reset.body.limits).toBeUndefined();
        expect(await usage()).toMatchObject({
          quota: 10_000,
          qpsLimit: 20,
          limitsSource: 'edition',
        });
        expect(await send()).toBe('sent');
      } finally {
        await backend.stop();
      }
    },
  );

  it('reads them from app-config too', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      {
        knex,
        emu,
        config: dingtalkConfig(emu, {
          integrations: [
            {
              id: 'configured',
              ...APP_CREDENTIALS,
              edition: 'professional',
              limits: { monthlyQuota: 750_000 },
            },
          ],
        }),
        integration: false,
      },
      async s => {
        const list = await request(s)
          .get('/api/dingtalk/integrations')
          .expect(200);
        expect(list.body.items ?? list.body).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              id: 'configured',
              limits: { monthlyQuota: 750_000 },
            }),
          ]),
        );
        const usage = await request(s)
          .get('/api/dingtalk/integrations/configured/usage')
          .expect(200);
        // the quota overridden, the QPS the edition's
        expect(usage.body).toMatchObject({
          quota: 750_000,
          qpsLimit: 40,
          limitsSource: 'override',
        });
      },
    );
  });
});
