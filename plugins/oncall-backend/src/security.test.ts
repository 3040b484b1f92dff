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

// Injection-like strings on every route, on SQLite and PostgreSQL.
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
});
