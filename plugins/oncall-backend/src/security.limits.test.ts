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
import { SERVICE, SERVICE_PATH } from './__testUtils__/pluginFixtures';

jest.setTimeout(60_000);

const SP = SERVICE_PATH;

// Oversized bodies, strings and URLs on every route.
describe('oncall backend security', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  it('refuses oversized input on every route with a 4xx', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server: s } = await startOncallBackend(knex);
    try {
      const id = (
        await request(s)
          .post('/api/oncall/incidents')
          .send({ title: 't', serviceRef: SERVICE })
          .expect(201)
      ).body.id;
      const hook = (
        await request(s)
          .post(`/api/oncall/services/${SP}/webhooks`)
          .send({})
          .expect(201)
      ).body;
      const twoMb = { title: 'x'.repeat(2 * 1024 * 1024) };
      const long = 'y'.repeat(100_000);
      const problems: string[] = [];
      const check = (
        what: string,
        res: request.Response,
        expected?: number,
      ) => {
        if (
          res.status < 400 ||
          res.status >= 500 ||
          (expected && res.status !== expected)
        )
          problems.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
      };
      const bodyRoutes: Array<['post' | 'put', string]> = [
        ['post', `/api/oncall/alerts/${hook.token}`],
        ['post', '/api/oncall/incidents'],
        ...['acknowledge', 'resolve', 'snooze', 'comment', 'reassign'].map(
          a => ['post', `/api/oncall/incidents/${id}/${a}`] as ['post', string],
        ),
        ['put', `/api/oncall/services/${SP}/rule`],
        ['post', `/api/oncall/services/${SP}/webhooks`],
      ];
      for (const [method, url] of bodyRoutes)
        check(
          `${method} ${url} 2 MB`,
          await request(s)[method](url).send(twoMb),
          413,
        );
      const strings: Array<[string, object]> = [
        [`/api/oncall/alerts/${hook.token}`, { title: long }],
        ['/api/oncall/incidents', { title: long, serviceRef: SERVICE }],
        [
          '/api/oncall/incidents',
          { title: 't', serviceRef: SERVICE, description: long },
        ],
        [
          '/api/oncall/incidents',
          { title: 't', serviceRef: SERVICE, labels: { a: long } },
        ],
        [`/api/oncall/incidents/${id}/comment`, { text: long }],
        [`/api/oncall/incidents/${id}/acknowledge`, { note: long }],
        [`/api/oncall/incidents/${id}/reassign`, { assignee: long }],
        [`/api/oncall/services/${SP}/webhooks`, { name: long }],
      ];
      for (const [url, body] of strings)
        check(`${url} 100k`, await request(s).post(url).send(body), 400);
      check(
        'rule 100k',
        await request(s)
          .put(`/api/oncall/services/${SP}/rule`)
          .send({ name: long, steps: [] }),
        400,
      );
      for (const url of [
        `/api/oncall/incidents/${long}`,
        `/api/oncall/incidents?q=${long}`,
        `/api/oncall/alerts/${long}`,
        `/api/oncall/services/${long}/rule`,
      ]) {
        check(`${url.slice(0, 30)} 100k`, await request(s).get(url));
      }
      for (const url of [
        `/api/oncall/incidents?q=${'z'.repeat(2000)}`,
        `/api/oncall/channels/fake/targets?q=${'z'.repeat(2000)}`,
        `/api/oncall/services/${'c'.repeat(2000)}/rule`,
      ]) {
        check(`${url.slice(0, 30)} 2k`, await request(s).get(url), 400);
      }
      expect(problems).toEqual([]);
      expect(
        (await request(s).get('/api/oncall/incidents')).body.totalCount,
      ).toBe(1);
    } finally {
      await backend.stop();
    }
  });
});
