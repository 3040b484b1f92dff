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

import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { SERVICE, SERVICE_PATH } from './__testUtils__/pluginFixtures';

jest.setTimeout(60_000);

const SP = SERVICE_PATH;

// Credentials and permissions on every route.
describe('oncall backend security', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  it('refuses every route without credentials (401) and without the permission it needs (403)', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server: s } = await startOncallBackend(knex, {
      deny: true,
    });
    try {
      const routes: Array<[string, string, object?]> = [
        ['get', '/api/oncall/incidents'],
        ['get', '/api/oncall/me/incidents'],
        ['post', '/api/oncall/incidents', { title: 't', serviceRef: SERVICE }],
        ['get', '/api/oncall/incidents/some-id'],
        ...['acknowledge', 'resolve', 'snooze', 'comment', 'reassign'].map(
          a =>
            ['post', `/api/oncall/incidents/some-id/${a}`, {}] as [
              string,
              string,
              object,
            ],
        ),
        ['get', `/api/oncall/services/${SP}/rule`],
        ['put', `/api/oncall/services/${SP}/rule`, { name: 'x', steps: [] }],
        ['delete', `/api/oncall/services/${SP}/rule`],
        ['get', `/api/oncall/services/${SP}/webhooks`],
        ['post', `/api/oncall/services/${SP}/webhooks`, {}],
        ['delete', `/api/oncall/services/${SP}/webhooks/w1`],
        ['get', '/api/oncall/channels'],
        ['get', '/api/oncall/channels/fake/targets'],
      ];
      const seen: string[] = [];
      for (const [method, url, body] of routes) {
        const res = await (request(s) as any)[method](url).send(body);
        seen.push(`${method} ${url} ${res.status}`);
        expect(res.body.error?.message ?? '').toMatch(/not allowed/i);
      }
      expect(seen).toEqual(routes.map(([m, u]) => `${m} ${u} 403`));
      const seen401: string[] = [];
      for (const [method, url, body] of routes) {
        const res = await (request(s) as any)
          [method](url)
          .set('authorization', mockCredentials.none.header())
          .send(body);
        seen401.push(`${method} ${url} ${res.status}`);
      }
      expect(seen401).toEqual(routes.map(([m, u]) => `${m} ${u} 401`));
      // the alert webhook authenticates by its token only
      expect(
        (
          await request(s)
            .post('/api/oncall/alerts/not-a-token')
            .send({ title: 'x' })
        ).status,
      ).toBe(401);
      expect(
        (await request(s).post('/api/oncall/alerts').send({ title: 'x' }))
          .status,
      ).toBe(401);
      expect(
        (
          await request(s)
            .get('/api/oncall/health')
            .set('authorization', mockCredentials.none.header())
        ).status,
      ).toBe(200);
    } finally {
      await backend.stop();
    }
  });
});
