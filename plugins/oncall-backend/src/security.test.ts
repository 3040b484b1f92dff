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

jest.setTimeout(60_000);

const SERVICE = 'component:default/payments';
const SP = encodeURIComponent(SERVICE);

/** Strings that have broken SQL, LIKE patterns and escaping elsewhere. */
const EVIL = [
  "' OR 1=1 --",
  '"; DROP TABLE x; --',
  '%',
  '_',
  '\\',
  "%' OR '1'='1",
  'a\u0000b',
];
const TABLES = [
  'oncall_incidents',
  'oncall_timeline',
  'oncall_rules',
  'oncall_webhooks',
];

describe('oncall backend security', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('answers injection-like strings on every route with a 4xx or a correct result, and the tables stay intact', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server: s } = await startOncallBackend(knex);
      try {
        const titles = ['Plain', '100% CPU', 'snake_case down', 'back\\slash'];
        const ids: string[] = [];
        for (const title of titles) {
          ids.push(
            (
              await request(s)
                .post('/api/oncall/incidents')
                .send({ title, severity: 'info', serviceRef: SERVICE })
                .expect(201)
            ).body.id,
          );
        }
        const hook = (
          await request(s)
            .post(`/api/oncall/services/${SP}/webhooks`)
            .send({ name: 'am' })
            .expect(201)
        ).body;
        await request(s)
          .put(`/api/oncall/services/${SP}/rule`)
          .send({
            name: 'r',
            steps: [
              {
                delayMinutes: 0,
                targets: [{ type: 'user', ref: 'user:default/alice' }],
              },
            ],
          })
          .expect(200);
        const count = async () =>
          Object.fromEntries(
            await Promise.all(
              TABLES.map(async t => [
                t,
                Number((await knex(t).count({ c: '*' }))[0].c),
              ]),
            ),
          );
        const before = await count();

        const problems: string[] = [];
        for (const evil of EVIL) {
          const e = encodeURIComponent(evil);
          const reqs: Array<[string, request.Test, (body: any) => void]> = [
            [
              'alert token',
              request(s).post(`/api/oncall/alerts/${e}`).send({ title: evil }),
              () => {},
            ],
            [
              'alert bearer',
              request(s)
                .post('/api/oncall/alerts')
                .set('authorization', `Bearer ${encodeURIComponent(evil)}`)
                .send({ title: evil }),
              () => {},
            ],
            [
              'alert body',
              request(s)
                .post(`/api/oncall/alerts/${hook.token}`)
                .send({
                  title: evil,
                  alertKey: evil,
                  labels: { [evil]: evil },
                  severity: evil,
                }),
              () => {},
            ],
            [
              'list q',
              request(s).get('/api/oncall/incidents').query({ q: evil }),
              body =>
                expect(body.items.map((i: any) => i.title).sort()).toEqual(
                  titles
                    .filter(t => t.toLowerCase().includes(evil.toLowerCase()))
                    .sort(),
                ),
            ],
            [
              'list filters',
              request(s).get('/api/oncall/incidents').query({
                serviceRef: evil,
                responder: evil,
                alertKey: evil,
                status: evil,
                severity: evil,
              }),
              () => {},
            ],
            [
              'list alertKey',
              request(s).get('/api/oncall/incidents').query({ alertKey: evil }),
              body => expect(body.items).toEqual([]),
            ],
            [
              'list paging',
              request(s)
                .get('/api/oncall/incidents')
                .query({ limit: evil, offset: evil }),
              () => {},
            ],
            ['get', request(s).get(`/api/oncall/incidents/${e}`), () => {}],
            [
              'create',
              request(s)
                .post('/api/oncall/incidents')
                .send({
                  title: evil,
                  serviceRef: evil,
                  labels: { [evil]: evil },
                }),
              () => {},
            ],
            [
              'acknowledge',
              request(s)
                .post(`/api/oncall/incidents/${e}/acknowledge`)
                .send({ note: evil }),
              () => {},
            ],
            [
              'resolve',
              request(s)
                .post(`/api/oncall/incidents/${e}/resolve`)
                .send({ note: evil }),
              () => {},
            ],
            [
              'snooze',
              request(s)
                .post(`/api/oncall/incidents/${e}/snooze`)
                .send({ minutes: evil }),
              () => {},
            ],
            [
              'comment',
              request(s)
                .post(`/api/oncall/incidents/${e}/comment`)
                .send({ text: evil }),
              () => {},
            ],
            [
              'comment on real',
              request(s)
                .post(`/api/oncall/incidents/${ids[0]}/comment`)
                .send({ text: evil }),
              () => {},
            ],
            [
              'reassign',
              request(s)
                .post(`/api/oncall/incidents/${ids[0]}/reassign`)
                .send({ assignee: evil, note: evil }),
              () => {},
            ],
            [
              'get rule',
              request(s).get(`/api/oncall/services/${e}/rule`),
              () => {},
            ],
            [
              'put rule',
              request(s)
                .put(`/api/oncall/services/${e}/rule`)
                .send({
                  name: evil,
                  steps: [
                    {
                      delayMinutes: 0,
                      targets: [{ type: 'channel', channel: evil, id: evil }],
                    },
                  ],
                }),
              () => {},
            ],
            [
              'delete rule',
              request(s).delete(`/api/oncall/services/${e}/rule`),
              () => {},
            ],
            [
              'webhooks',
              request(s).get(`/api/oncall/services/${e}/webhooks`),
              () => {},
            ],
            [
              'new webhook',
              request(s)
                .post(`/api/oncall/services/${e}/webhooks`)
                .send({ name: evil }),
              () => {},
            ],
            [
              'delete webhook',
              request(s).delete(`/api/oncall/services/${SP}/webhooks/${e}`),
              () => {},
            ],
            [
              'targets of',
              request(s).get(`/api/oncall/channels/${e}/targets`),
              () => {},
            ],
            [
              'targets q',
              request(s)
                .get('/api/oncall/channels/fake/targets')
                .query({ q: evil, cursor: evil, limit: evil }),
              () => {},
            ],
          ];
          for (const [name, req, check] of reqs) {
            const res = await req;
            if (res.status >= 500)
              problems.push(
                `${name} ${JSON.stringify(evil)}: ${res.status} ${
                  res.body?.error?.message ?? res.text
                }`,
              );
            else if (res.status >= 400 && !res.body?.error?.message)
              problems.push(
                `${name} ${JSON.stringify(evil)}: ${
                  res.status
                } without a reason`,
              );
            else if (res.status < 400) {
              try {
                check(res.body);
              } catch (err) {
                problems.push(
                  `${name} ${JSON.stringify(evil)}: wrong result ${
                    (err as Error).message
                  }`,
                );
              }
            }
          }
        }
        // Paging far beyond any data is an empty page or a 400, not a database error.
        for (const offset of [
          '1e20',
          '99999999999999999999',
          '-1',
          '1.5',
          'NaN',
          'Infinity',
        ]) {
          const res = await request(s)
            .get('/api/oncall/incidents')
            .query({ offset });
          if (res.status >= 500)
            problems.push(
              `offset ${offset}: ${res.status} ${res.body?.error?.message}`,
            );
          else if (res.status === 200 && res.body.items.length)
            problems.push(
              `offset ${offset}: a page beyond the data is not empty`,
            );
        }
        expect(problems).toEqual([]);

        const after = await count();
        expect(after.oncall_rules).toBe(before.oncall_rules);
        expect(after.oncall_webhooks).toBe(before.oncall_webhooks);
        const list = await request(s)
          .get('/api/oncall/incidents')
          .query({ serviceRef: SERVICE, limit: 500 });
        expect(list.body.items.map((i: any) => i.title)).toEqual(
          expect.arrayContaining(titles),
        );
        expect(
          (await request(s).get(`/api/oncall/services/${SP}/rule`).expect(200))
            .body.name,
        ).toBe('r');
        expect(
          (
            await request(s)
              .get(`/api/oncall/services/${SP}/webhooks`)
              .expect(200)
          ).body.items,
        ).toHaveLength(1);
      } finally {
        await backend.stop();
      }
    });
  });

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
