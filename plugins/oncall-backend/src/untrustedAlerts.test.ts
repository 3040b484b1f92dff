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

jest.setTimeout(60_000);

const SERVICE_PATH = encodeURIComponent('component:default/payments');

/** JSON text with `leaf` nested `depth` objects deep (built as text: no recursion). */
function nested(depth: number, leaf: string): string {
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

const alertmanager = (extra: string) =>
  `{"version":"4","status":"firing","extra":${extra},"alerts":[{"status":"firing",` +
  `"labels":{"alertname":"Disk"},"annotations":{"summary":"Disk full"},"fingerprint":"fp"}]}`;

describe('alert payloads are untrusted text', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'refuses a NUL at any depth with a 400 and opens nothing (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startOncallBackend(knex);
      try {
        const hook = await request(server)
          .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .send({ name: 'am' });
        const post = (body: string) =>
          request(server)
            .post('/api/oncall/alerts')
            .set('Authorization', `Bearer ${hook.body.token}`)
            .set('content-type', 'application/json')
            .send(body);
        for (const depth of [1, 64, 65, 66, 500, 5000]) {
          const res = await post(alertmanager(nested(depth, '"x\\u0000"')));
          expect([depth, res.status]).toEqual([depth, 400]);
          expect(res.body.error.message).toContain('NUL');
          const inKey = await post(
            alertmanager(nested(depth, '{"k\\u0000":"v"}')),
          );
          expect([depth, inKey.status]).toEqual([depth, 400]);
        }
        const list = await request(server).get('/api/oncall/incidents');
        expect(list.body.items).toEqual([]);
        // Deep but clean: accepted.
        expect((await post(alertmanager(nested(5000, '"x"')))).status).toBe(
          202,
        );
      } finally {
        await backend.stop();
      }
    },
  );

  it('refuses a non-string where a string is due with a 400 naming the field', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server } = await startOncallBackend(knex);
    try {
      const hook = await request(server)
        .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
        .send({ name: 'am' });
      const post = (body: unknown) =>
        request(server)
          .post('/api/oncall/alerts')
          .set('Authorization', `Bearer ${hook.body.token}`)
          .send(body as object);
      const am = (alert: object) => ({
        version: '4',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'Disk' },
            annotations: { summary: 'Disk full' },
            ...alert,
          },
        ],
      });
      for (const [body, field] of [
        [{ title: { evil: true } }, 'title'],
        [{ title: ['a'] }, 'title'],
        [{ title: 'ok', description: { x: 1 } }, 'description'],
        [{ title: 'ok', labels: { team: { x: 1 } } }, 'labels.team'],
        [{ title: 'ok', alertKey: 5 }, 'alertKey'],
        [am({ annotations: { summary: { x: 1 } } }), 'annotations.summary'],
        [am({ labels: { alertname: ['Disk'] } }), 'labels.alertname'],
        [am({ fingerprint: {} }), 'fingerprint'],
      ] as const) {
        const res = await post(body);
        expect([field, res.status]).toEqual([field, 400]);
        expect(res.body.error.message).toContain(field);
      }
      const list = await request(server).get('/api/oncall/incidents');
      expect(list.body.items).toEqual([]);
    } finally {
      await backend.stop();
    }
  });
});
