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
  startDingtalkBackend,
  INTEGRATION_BODY,
  withDingtalkBackend,
  allDeniedOptions,
} from './__testUtils__/backend';
import { person, emulatorPerTest } from './__testUtils__/emulator';

const integration = INTEGRATION_BODY;

describe('dingtalk backend, cluster and permissions', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      people: [person('dt1', '13800000001', 'One')],
    },
    e => (emu = e),
  );

  // Needs a real PostgreSQL (npm test and CI provide one): two replicas on
  // in-memory SQLite cannot share a database.
  const postgres = databases
    .eachSupportedId()
    .filter(([id]) => id.startsWith('POSTGRES'));

  /** Two backends on one database, the integration created through the first. */
  async function withTwoReplicas(
    databaseId: Parameters<typeof databases.init>[0],
    fn: (
      a: Awaited<ReturnType<typeof startDingtalkBackend>>,
      b: Awaited<ReturnType<typeof startDingtalkBackend>>,
    ) => Promise<void>,
  ) {
    const knexA = await databases.init(databaseId);
    // a second connection pool to the same database: the other replica
    const knexB = require('knex')(knexA.client.config);
    const a = await startDingtalkBackend({ knex: knexA, emu });
    const b = await startDingtalkBackend({ knex: knexB, emu });
    try {
      await request(a.server)
        .post('/api/dingtalk/integrations')
        .send(integration)
        .expect(201);
      await fn(a, b);
    } finally {
      await a.stop();
      await b.stop();
      await knexB.destroy();
    }
  }

  if (postgres.length)
    it.each(postgres)(
      'two backends on one %p database stay under 20 QPS together and lose no message',
      databaseId =>
        withTwoReplicas(databaseId, async (a, b) => {
          const group = emu.control.createGroup({
            corpId: APP.corpId,
            title: 'Storm',
            ownerUserId: 'dt1',
            memberUserIds: [],
          });
          group.coolApps.push(APP.appKey);
          // This is about the QPS: DingTalk's per-group robot rate (about 20
          // a minute, then 130101) is lifted here; the emulator's own tests
          // and the channel's cover it.
          emu.control.setRobotGroupRate({ perMinute: 10_000 });
          const sends = Array.from({ length: 200 }, (_, i) =>
            request((i % 2 ? a : b).server)
              .post('/api/dingtalk/notify/send')
              .send({
                integrationId: 'acme',
                groups: [group.openConversationId],
                message: { type: 'text', content: `alert ${i}` },
              }),
          );
          const results = await Promise.all(sends);
          expect(
            results.every(
              r => r.status === 200 && r.body.results[0].outcome === 'sent',
            ),
          ).toBe(true);
          const calls = emu.control.calls().byApp[APP.appKey];
          expect(calls.maxPerSecond).toBeLessThanOrEqual(20);
          expect(calls.rejectedQps).toBe(0);
          const texts = new Set(
            emu.control
              .messages({ openConversationId: group.openConversationId })
              .map(m => (m.msgParam as any).content),
          );
          expect(texts.size).toBe(200);
        }),
      60_000,
    );

  if (postgres.length)
    it.each(postgres)(
      'a push to one backend is checked with the Signature Token just saved through the other (%p)',
      databaseId =>
        withTwoReplicas(databaseId, async (a, b) => {
          // DingTalk pushes to b: b has never read this integration (created on a)
          emu.control.updateApp(APP.appKey, {
            eventUrl: `http://127.0.0.1:${b.server.port()}/api/dingtalk/integrations/acme/events`,
          });
          await expect(
            emu.control.sendCheckUrl({ appKey: APP.appKey }),
          ).resolves.toMatchObject({ delivered: true, attempts: 1 });
          // The admin rotates the token through a; DingTalk signs with it at once.
          await request(a.server)
            .put('/api/dingtalk/integrations/acme')
            .send({ token: 'rotated-signature-token' })
            .expect(200);
          emu.control.updateApp(APP.appKey, {
            token: 'rotated-signature-token',
          });
          await expect(
            emu.control.sendCheckUrl({ appKey: APP.appKey }),
          ).resolves.toMatchObject({ delivered: true, attempts: 1 });
          // and a push still signed with the old token is refused
          emu.control.updateApp(APP.appKey, { token: APP.token });
          await expect(
            emu.control.sendCheckUrl({ appKey: APP.appKey }),
          ).resolves.toMatchObject({ delivered: false });
        }),
      60_000,
    );

  it('refuses every API route without the permission it needs, and keeps DingTalk callbacks working', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      { knex, emu, ...allDeniedOptions(emu, integration) },
      async s => {
        const denied: request.Test[] = [
          request(s).get('/api/dingtalk/integrations'),
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integration, id: 'other', clientId: 'other' }),
          request(s).get('/api/dingtalk/integrations/acme'),
          request(s).put('/api/dingtalk/integrations/acme').send({ name: 'x' }),
          request(s).delete('/api/dingtalk/integrations/acme'),
          request(s).post('/api/dingtalk/integrations/acme/test'),
          request(s).get('/api/dingtalk/integrations/acme/groups'),
          request(s).post('/api/dingtalk/integrations/acme/groups/refresh'),
          request(s).get('/api/dingtalk/integrations/acme/usage'),
          request(s).get('/api/dingtalk/records'),
          request(s).get('/api/dingtalk/links?integrationId=acme'),
          request(s).post(
            '/api/dingtalk/integrations/acme/links/link-all-by-mobile',
          ),
          request(s)
            .post('/api/dingtalk/notify/send')
            .send({ groups: ['x'], message: { type: 'text', content: 'x' } }),
          request(s)
            .post('/api/dingtalk/notify/card-update')
            .send({ outTrackId: 'x', cardParamMap: {} }),
          request(s).post('/api/dingtalk/notify/resolve-users').send({}),
          request(s)
            .post('/api/dingtalk/warrooms')
            .send({ title: 'x', uuid: 'x' }),
          request(s).delete(
            `/api/dingtalk/links/acme/${encodeURIComponent(
              'user:default/someone-else',
            )}`,
          ),
        ];
        for (const r of denied) {
          const res = await r;
          expect({ path: (res as any).req.path, status: res.status }).toEqual({
            path: (res as any).req.path,
            status: 403,
          });
        }
        // People may always see and remove their own link.
        expect((await request(s).get('/api/dingtalk/links/me')).status).toBe(
          200,
        );
        // Without credentials at all: 401, except health and DingTalk's own callbacks.
        expect(
          (
            await request(s)
              .get('/api/dingtalk/integrations')
              .set('authorization', 'Bearer nope')
          ).status,
        ).toBe(401);
        expect(
          (
            await request(s)
              .get('/api/dingtalk/health')
              .set('authorization', '')
          ).status,
        ).toBe(200);
        const check = await emu.control.sendCheckUrl({ appKey: APP.appKey });
        expect(check.delivered).toBe(false); // no event URL yet
        emu.control.updateApp(APP.appKey, {
          eventUrl: `http://127.0.0.1:${s.port()}/api/dingtalk/integrations/acme/events`,
        });
        expect(
          await emu.control.sendCheckUrl({ appKey: APP.appKey }),
        ).toMatchObject({ delivered: true });
      },
    );
  });

  it('reports usage against the edition quota with a forecast', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      { knex, emu, integration: integration },
      async s => {
        await request(s)
          .post('/api/dingtalk/notify/resolve-users')
          .send({ mobiles: ['13800000001', '13800000009'] })
          .expect(200);
        const usage = await request(s).get(
          '/api/dingtalk/integrations/acme/usage',
        );
        expect(usage.body).toMatchObject({
          integrationId: 'acme',
          quota: 10_000,
          qpsLimit: 20,
          // DingTalk does not meter user by mobile: shown apart, not in calls
          exemptByApi: { 'user.getbymobile': 2 },
        });
        expect(usage.body.byApi['user.getbymobile']).toBeUndefined();
        expect(usage.body.forecast).toBeGreaterThanOrEqual(usage.body.calls);
      },
    );
  });
});
