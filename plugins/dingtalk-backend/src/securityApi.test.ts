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

import { mockCredentials } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  INTEGRATION_BODY,
  withDingtalkBackend,
  allDeniedOptions,
} from './__testUtils__/backend';
import { securitySuite } from './__testUtils__/securitySuite';
import { EVENTS, postPush, signed } from './__testUtils__/eventPushes';

// The API's limits: oversized input, and routes without credentials or
// permission. Split from security.test.ts.

jest.setTimeout(60_000);

describe('dingtalk backend security', () => {
  let emu: EmulatorHandle;
  const databases = securitySuite(e => (emu = e));

  it('refuses oversized input on every route with a 4xx', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const twoMb = { blob: 'x'.repeat(2 * 1024 * 1024) };
      const long = 'y'.repeat(100_000);
      const bodyRoutes: Array<['post' | 'put', string]> = [
        ['post', '/api/dingtalk/integrations'],
        ['put', '/api/dingtalk/integrations/acme'],
        ['post', '/api/dingtalk/integrations/acme/test'],
        ['post', '/api/dingtalk/integrations/acme/groups/refresh'],
        ['post', '/api/dingtalk/integrations/acme/links/link-all-by-mobile'],
        ['post', '/api/dingtalk/links/confirm'],
        ['post', '/api/dingtalk/notify/send'],
        ['post', '/api/dingtalk/notify/card-update'],
        ['post', '/api/dingtalk/notify/resolve-users'],
        ['post', '/api/dingtalk/warrooms'],
        ['post', '/api/dingtalk/warrooms/cid0/members'],
        ['post', '/api/dingtalk/warrooms/cid0/messages'],
        ['post', '/api/dingtalk/h5/acme/session'],
        ['post', EVENTS],
        ['post', '/api/dingtalk/integrations/acme/card-callback'],
      ];
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
      for (const [method, url] of bodyRoutes) {
        check(
          `${method} ${url} 2 MB`,
          await request(s)[method](url).send(twoMb),
          413,
        );
      }
      // 100k-character strings inside bodies small enough to be read
      const stringBodies: Array<[string, object]> = [
        [
          '/api/dingtalk/integrations',
          { ...INTEGRATION_BODY, id: 'other', name: long },
        ],
        [
          '/api/dingtalk/notify/send',
          { groups: [long], message: { type: 'text', content: 'x' } },
        ],
        [
          '/api/dingtalk/notify/send',
          { groups: ['cid'], message: { type: 'text', content: long } },
        ],
        [
          '/api/dingtalk/notify/send',
          {
            reference: long,
            groups: ['cid'],
            message: { type: 'text', content: 'x' },
          },
        ],
        [
          '/api/dingtalk/notify/card-update',
          { outTrackId: long, cardParamMap: {} },
        ],
        ['/api/dingtalk/notify/resolve-users', { userEntityRefs: [long] }],
        ['/api/dingtalk/warrooms', { title: long, uuid: 'u' }],
        [
          '/api/dingtalk/warrooms/cid0/messages',
          { message: { type: 'text', content: long } },
        ],
        ['/api/dingtalk/links/confirm', { ticket: long }],
        ['/api/dingtalk/h5/acme/session', { code: long }],
        [
          '/api/dingtalk/integrations/acme/card-callback',
          { outTrackId: long, userId: long },
        ],
      ];
      for (const [url, body] of stringBodies)
        check(`${url} 100k string`, await request(s).post(url).send(body));
      check(
        'put 100k',
        await request(s)
          .put('/api/dingtalk/integrations/acme')
          .send({ name: long }),
      );
      check('event 100k field', await postPush(s, signed(long)));
      // 100k-character path segments and query strings (larger than any URL a server reads)
      for (const url of [
        `/api/dingtalk/integrations/${long}`,
        `/api/dingtalk/records?reference=${long}`,
        `/api/dingtalk/integrations/acme/groups?q=${long}`,
        `/api/dingtalk/h5/${long}/home`,
      ]) {
        check(`GET ${url.slice(0, 40)}`, await request(s).get(url));
      }
      // long but readable (2k) query values are refused by validation, not the database
      const twoK = 'z'.repeat(2000);
      for (const url of [
        `/api/dingtalk/records?reference=${twoK}`,
        `/api/dingtalk/integrations/acme/groups?q=${twoK}`,
        `/api/dingtalk/links?integrationId=acme&q=${twoK}`,
      ]) {
        check(`GET ${url.slice(0, 40)} 2k`, await request(s).get(url), 400);
      }
      expect(problems).toEqual([]);
      expect(
        (await request(s).get('/api/dingtalk/integrations')).body,
      ).toHaveLength(1);
    });
  });

  it('refuses every API route without credentials (401) and without the permission it needs (403)', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      { knex, emu, ...allDeniedOptions(emu) },
      async s => {
        // Every route of router.ts, with the permission it needs.
        const routes: Array<[string, string, object?]> = [
          ['get', '/api/dingtalk/integrations'],
          [
            'post',
            '/api/dingtalk/integrations',
            { ...INTEGRATION_BODY, id: 'other', clientId: 'other' },
          ],
          ['get', '/api/dingtalk/integrations/acme'],
          ['put', '/api/dingtalk/integrations/acme', { name: 'x' }],
          ['delete', '/api/dingtalk/integrations/acme'],
          ['post', '/api/dingtalk/integrations/acme/test'],
          ['get', '/api/dingtalk/integrations/acme/groups'],
          ['post', '/api/dingtalk/integrations/acme/groups/refresh'],
          ['get', '/api/dingtalk/integrations/acme/usage'],
          ['get', '/api/dingtalk/records'],
          ['get', '/api/dingtalk/links?integrationId=acme'],
          [
            'delete',
            `/api/dingtalk/links/acme/${encodeURIComponent(
              'user:default/someone-else',
            )}`,
          ],
          ['post', '/api/dingtalk/integrations/acme/links/link-all-by-mobile'],
          [
            'post',
            '/api/dingtalk/notify/send',
            { groups: ['x'], message: { type: 'text', content: 'x' } },
          ],
          [
            'post',
            '/api/dingtalk/notify/card-update',
            { outTrackId: 'x', cardParamMap: {} },
          ],
          ['post', '/api/dingtalk/notify/resolve-users', {}],
          ['post', '/api/dingtalk/warrooms', { title: 'x', uuid: 'x' }],
          ['post', '/api/dingtalk/warrooms/cid0/members', {}],
          [
            'post',
            '/api/dingtalk/warrooms/cid0/messages',
            { message: { type: 'text', content: 'x' } },
          ],
        ];
        const unauthenticated = [
          ...routes,
          ['get', '/api/dingtalk/links/me'],
          ['post', '/api/dingtalk/links/confirm', { ticket: 'x' }],
          ['get', '/api/dingtalk/editions'],
        ] as typeof routes;
        const seen: string[] = [];
        for (const [method, url, body] of routes) {
          const res = await (request(s) as any)[method](url).send(body);
          seen.push(`${method} ${url} ${res.status}`);
          expect(res.body.error?.message ?? '').toMatch(/not allowed/i);
        }
        expect(seen).toEqual(routes.map(([m, u]) => `${m} ${u} 403`));
        const seen401: string[] = [];
        for (const [method, url, body] of unauthenticated) {
          const res = await (request(s) as any)
            [method](url)
            .set('authorization', mockCredentials.none.header())
            .send(body);
          seen401.push(`${method} ${url} ${res.status}`);
        }
        expect(seen401).toEqual(
          unauthenticated.map(([m, u]) => `${m} ${u} 401`),
        );
        // A plugin (service principal) has no account link of its own.
        const service = await request(s)
          .get('/api/dingtalk/links/me')
          .set('authorization', mockCredentials.service.header());
        expect(service.status).toBeGreaterThanOrEqual(400);
        expect(service.status).toBeLessThan(500);
        // Config integrations are read-only even for those allowed to edit.
        expect(
          (
            await request(s)
              .get('/api/dingtalk/integrations')
              .set('authorization', 'Bearer nope')
          ).status,
        ).toBe(401);
      },
    );
  });
});
