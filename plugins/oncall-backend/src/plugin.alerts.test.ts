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
import { alertmanager, SERVICE_PATH } from './__testUtils__/pluginFixtures';

jest.setTimeout(60_000);

// Alert ingestion through webhooks: documented events, merging, bad input.
describe('oncall plugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('ingests documented JSON events, merges by alert key and rejects bad input cleanly', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startOncallBackend(knex);
      try {
        const hook = await request(server)
          .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .send({})
          .expect(201);
        const url = `/api/oncall/alerts/${hook.body.token}`;
        const event = {
          title: 'Queue lag high',
          severity: 'warning',
          alertKey: 'queue-lag',
          labels: { queue: 'orders' },
        };
        const first = await request(server).post(url).send(event).expect(202);
        const second = await request(server).post(url).send(event).expect(202);
        expect(first.body.results[0].action).toBe('created');
        expect(second.body.results[0]).toEqual({
          incidentId: first.body.results[0].incidentId,
          alertKey: 'queue-lag',
          action: 'merged',
        });
        const incident = await request(server)
          .get(`/api/oncall/incidents/${first.body.results[0].incidentId}`)
          .expect(200);
        expect(incident.body).toMatchObject({
          alertCount: 2,
          labels: { queue: 'orders' },
          status: 'triggered',
        });

        // Bearer form of the same token.
        const viaHeader = await request(server)
          .post('/api/oncall/alerts')
          .set('Authorization', `Bearer ${hook.body.token}`)
          .send({ ...event, status: 'resolved' })
          .expect(202);
        expect(viaHeader.body.results[0].action).toBe('resolved');
        const again = await request(server).post(url).send(event).expect(202);
        expect(again.body.results[0].action).toBe('created');
        expect(again.body.results[0].incidentId).not.toBe(
          first.body.results[0].incidentId,
        );
        const unknown = await request(server)
          .post(url)
          .send({ title: 'x', alertKey: 'never-seen', status: 'resolved' })
          .expect(202);
        expect(unknown.body.results[0].action).toBe('ignored');

        const count = async () =>
          (await request(server).get('/api/oncall/incidents').expect(200)).body
            .totalCount;
        const before = await count();

        const bad = await request(server)
          .post(url)
          .send({ severity: 'disaster', labels: { a: 1 } })
          .expect(400);
        expect(bad.body.error.name).toBe('InputError');
        expect(bad.body.error.message).toContain('title: is required');
        expect(bad.body.error.message).toContain(
          'severity: must be one of critical, warning, info',
        );
        expect(bad.body.error.message).toContain('labels.a');

        // One bad alert in a batch: nothing of the batch is written.
        const batch = alertmanager('firing', 'fp-good');
        batch.alerts.push({
          ...batch.alerts[0],
          status: 'exploded' as any,
          fingerprint: 'fp-bad',
        });
        const badBatch = await request(server)
          .post(url)
          .send(batch)
          .expect(400);
        expect(badBatch.body.error.message).toContain('alerts.1.status');
        const badVersion = await request(server)
          .post(url)
          .send({ ...alertmanager('firing'), version: '3' })
          .expect(400);
        expect(badVersion.body.error.message).toContain('version: must be "4"');
        await request(server)
          .post(url)
          .set('Content-Type', 'application/json')
          .send('{"title": ')
          .expect(400);
        await request(server)
          .post(url)
          .send('"just a string"')
          .set('Content-Type', 'application/json')
          .expect(400);
        await request(server)
          .post(url)
          .send({ title: 'x'.repeat(10), description: 'y'.repeat(1_100_000) })
          .expect(413);

        const wrong = await request(server)
          .post('/api/oncall/alerts/ocw_wrong')
          .send(event)
          .expect(401);
        expect(wrong.body.error.message).toBe(
          'Unknown or revoked webhook token',
        );
        await request(server)
          .post('/api/oncall/alerts')
          .send(event)
          .expect(401);

        expect(await count()).toBe(before);

        // Revoked tokens stop working; listings never show tokens.
        const list = await request(server)
          .get(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .expect(200);
        expect(list.body.items).toHaveLength(1);
        expect(JSON.stringify(list.body)).not.toContain(hook.body.token);
        expect(list.body.items[0]).toMatchObject({
          name: 'default',
          tokenPrefix: hook.body.token.slice(0, 8),
        });
        await request(server)
          .delete(
            `/api/oncall/services/${SERVICE_PATH}/webhooks/${hook.body.id}`,
          )
          .expect(204);
        await request(server).post(url).send(event).expect(401);
        const stored = await knex('oncall_webhooks').select();
        expect(JSON.stringify(stored)).not.toContain(hook.body.token);
      } finally {
        await backend.stop();
      }
    });
  });
});
