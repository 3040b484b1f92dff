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
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { eventually } from './__testUtils__/FakeChannel';
import { MINUTE, T0 } from './__testUtils__/harness';
import { SERVICE } from './__testUtils__/pluginFixtures';

jest.setTimeout(60_000);

// The incident API and its state machine.
describe('oncall plugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('serves the incident API with its state machine', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server, channel, clock } = await startOncallBackend(
        knex,
      );
      try {
        const created = await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Checkout slow',
            severity: 'critical',
            serviceRef: 'Component:payments',
            labels: { region: 'cn-hz' },
          })
          .expect(201);
        expect(created.body).toMatchObject({
          status: 'triggered',
          serviceRef: SERVICE,
          severity: 'critical',
          alertCount: 1,
          createdAt: new Date(T0).toISOString(),
        });
        const id = created.body.id;
        await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Low disk',
            severity: 'info',
            serviceRef: 'component:default/search',
          })
          .expect(201);
        const invalid = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: '', serviceRef: 'not a ref', extra: 1 })
          .expect(400);
        expect(invalid.body.error.message).toMatch(
          /title: must not be empty.*serviceRef: must be an entity ref/,
        );

        const filtered = await request(server)
          .get('/api/oncall/incidents')
          .query({
            severity: 'critical,warning',
            status: 'triggered',
            serviceRef: SERVICE,
          })
          .expect(200);
        expect(filtered.body.totalCount).toBe(1);
        expect(filtered.body.items[0].id).toBe(id);
        const searched = await request(server)
          .get('/api/oncall/incidents?q=DISK')
          .expect(200);
        expect(searched.body.items.map((i: any) => i.title)).toEqual([
          'Low disk',
        ]);
        await request(server)
          .get('/api/oncall/incidents?status=open')
          .expect(400);
        await request(server)
          .get('/api/oncall/incidents?limit=5000')
          .expect(400);
        await request(server)
          .get('/api/oncall/incidents/does-not-exist')
          .expect(404);

        clock.now = T0 + MINUTE;
        await request(server)
          .post(`/api/oncall/incidents/${id}/snooze`)
          .send({ minutes: 0 })
          .expect(400);
        const snoozed = await request(server)
          .post(`/api/oncall/incidents/${id}/snooze`)
          .send({ minutes: 30 })
          .expect(200);
        expect(snoozed.body.snoozedUntil).toBe(
          new Date(T0 + 31 * MINUTE).toISOString(),
        );
        const reassigned = await request(server)
          .post(`/api/oncall/incidents/${id}/reassign`)
          .send({ assignee: 'user:default/carol' })
          .expect(200);
        expect(reassigned.body).toMatchObject({
          assignee: 'user:default/carol',
          responders: ['user:default/carol'],
        });
        await eventually(() =>
          expect(channel.notifications.find(n => n.step === 0)?.users).toEqual([
            'user:default/carol',
          ]),
        );
        await request(server)
          .post(`/api/oncall/incidents/${id}/reassign`)
          .send({ assignee: 'group:default/sre' })
          .expect(400);
        await request(server)
          .post(`/api/oncall/incidents/${id}/comment`)
          .send({ text: '  ' })
          .expect(400);
        await request(server)
          .post(`/api/oncall/incidents/${id}/comment`)
          .send({ text: 'Rolling back' })
          .expect(200);
        const acked = await request(server)
          .post(`/api/oncall/incidents/${id}/acknowledge`)
          .send({})
          .expect(200);
        expect(acked.body).toMatchObject({
          status: 'acknowledged',
          acknowledgedBy: 'user:default/mock',
        });
        const twice = await request(server)
          .post(`/api/oncall/incidents/${id}/acknowledge`)
          .expect(409);
        expect(twice.body.error.message).toContain(
          'already acknowledged by user:default/mock',
        );

        const mine = await request(server)
          .get('/api/oncall/me/incidents')
          .expect(200);
        expect(mine.body.items.map((i: any) => i.id)).toEqual([id]);

        await request(server)
          .post(`/api/oncall/incidents/${id}/resolve`)
          .send({ note: 'rolled back' })
          .expect(200);
        const resolvedTwice = await request(server)
          .post(`/api/oncall/incidents/${id}/resolve`)
          .expect(409);
        expect(resolvedTwice.body.error.name).toBe('ConflictError');
        await request(server)
          .post(`/api/oncall/incidents/${id}/snooze`)
          .send({ minutes: 5 })
          .expect(409);
        await request(server)
          .post(`/api/oncall/incidents/missing/acknowledge`)
          .expect(404);
        expect(
          (await request(server).get('/api/oncall/me/incidents').expect(200))
            .body.items,
        ).toEqual([]);

        await eventually(() =>
          expect(channel.updates.map(u => u.change.type)).toEqual([
            'snoozed',
            'reassigned',
            'commented',
            'acknowledged',
            'resolved',
          ]),
        );
        expect(channel.updates[2].change).toMatchObject({
          actor: 'user:default/mock',
          data: { text: 'Rolling back' },
        });

        const detail = await request(server)
          .get(`/api/oncall/incidents/${id}`)
          .expect(200);
        expect(detail.body.timeline.map((e: any) => e.type)).toEqual(
          expect.arrayContaining([
            'snoozed',
            'reassigned',
            'notification',
            'comment',
            'acknowledged',
            'resolved',
          ]),
        );
      } finally {
        await backend.stop();
      }
    });
  });
});
