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

import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  DingtalkCallbackCrypto,
  DingtalkCryptoError,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import fc from 'fast-check';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  ENCRYPTION_KEY,
  startDingtalkBackend,
  userEntity,
  INTEGRATION_BODY,
} from './__testUtils__/backend';

jest.setTimeout(60_000);

const integrationBody = INTEGRATION_BODY;

const ours = new DingtalkCallbackCrypto({
  token: APP.token,
  aesKey: APP.aesKey,
  receiverId: APP.appKey,
});
const EVENTS = '/api/dingtalk/integrations/acme/events';

function signed(
  encrypt: string,
  opts: { timestamp?: string; nonce?: string } = {},
) {
  const timestamp = opts.timestamp ?? String(Date.now());
  const nonce = opts.nonce ?? 'n0nce';
  return {
    query: {
      signature: ours.sign(timestamp, nonce, encrypt),
      timestamp,
      nonce,
    },
    body: { encrypt },
  };
}
const signedEvent = (
  event: unknown,
  opts?: { timestamp?: string; nonce?: string },
) =>
  signed(
    ours.encrypt(typeof event === 'string' ? event : JSON.stringify(event)),
    opts,
  );

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
  'dingtalk_integrations',
  'dingtalk_groups',
  'dingtalk_events',
  'dingtalk_records',
  'dingtalk_links',
  'dingtalk_cards',
];

describe('dingtalk backend security', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;

  beforeEach(async () => {
    emu = await createEmulator({ pushRetryDelaysMs: [50] });
    emu.control.createApp({ ...APP, edition: 'standard' });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'dt1',
      name: 'One',
      mobile: '13800000001',
    });
  });
  afterEach(() => emu.close());

  function post(
    s: any,
    p: { query: object; body: object },
    url = EVENTS,
  ): request.Test {
    return request(s).post(url).query(p.query).send(p.body);
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('answers injection-like strings on every route with a 4xx or a correct result, and the tables stay intact', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startDingtalkBackend({
        knex,
        emu,
        users: [userEntity('alice', '13800000001')],
      });
      const s = backend.server;
      try {
        await request(s)
          .post('/api/dingtalk/integrations')
          .send(integrationBody)
          .expect(201);
        // groups whose titles hold the LIKE metacharacters
        const titles = ['Plain', '100% done', 'snake_case', 'back\\slash'];
        for (const [i, title] of titles.entries()) {
          emu.control
            .createGroup({
              corpId: APP.corpId,
              title,
              ownerUserId: 'dt1',
              memberUserIds: [],
              openConversationId: `cid${i}`,
            })
            .coolApps.push(APP.appKey);
          const res = await post(
            s,
            signedEvent({
              EventType: 'im_cool_app_install',
              OpenConversationId: `cid${i}`,
              Title: title,
            }),
          );
          expect(res.status).toBe(200);
        }
        await request(s)
          .post('/api/dingtalk/notify/send')
          .send({
            reference: 'ref-1',
            groups: ['cid0'],
            message: { type: 'text', content: 'x' },
          })
          .expect(200);
        const countRows = async () =>
          Object.fromEntries(
            await Promise.all(
              TABLES.map(async t => [
                t,
                Number((await knex(t).count({ c: '*' }))[0].c),
              ]),
            ),
          );
        const before = await countRows();

        const problems: string[] = [];
        for (const evil of EVIL) {
          const e = encodeURIComponent(evil);
          const reqs: Array<[string, request.Test, (body: any) => void]> = [
            [
              'get integration',
              request(s).get(`/api/dingtalk/integrations/${e}`),
              () => {},
            ],
            [
              'put integration',
              request(s)
                .put(`/api/dingtalk/integrations/${e}`)
                .send({ name: evil }),
              () => {},
            ],
            [
              'put acme bad field',
              request(s)
                .put('/api/dingtalk/integrations/acme')
                .send({ corpId: evil, agentId: evil }),
              () => {},
            ],
            [
              'delete integration',
              request(s).delete(`/api/dingtalk/integrations/${e}`),
              () => {},
            ],
            [
              'create integration',
              request(s)
                .post('/api/dingtalk/integrations')
                .send({ ...integrationBody, id: evil, clientId: evil }),
              () => {},
            ],
            [
              'test integration',
              request(s).post(`/api/dingtalk/integrations/${e}/test`),
              () => {},
            ],
            [
              'groups of',
              request(s).get(`/api/dingtalk/integrations/${e}/groups`),
              () => {},
            ],
            [
              'groups q',
              request(s)
                .get('/api/dingtalk/integrations/acme/groups')
                .query({ q: evil, includeUninstalled: 'true' }),
              body =>
                expect(body.items.map((g: any) => g.title)).toEqual(
                  titles.filter(t =>
                    t.toLowerCase().includes(evil.toLowerCase()),
                  ),
                ),
            ],
            [
              'groups cursor',
              request(s)
                .get('/api/dingtalk/integrations/acme/groups')
                .query({ cursor: evil, limit: evil }),
              () => {},
            ],
            [
              'refresh',
              request(s).post(`/api/dingtalk/integrations/${e}/groups/refresh`),
              () => {},
            ],
            [
              'usage',
              request(s).get(`/api/dingtalk/integrations/${e}/usage`),
              () => {},
            ],
            [
              'records',
              request(s)
                .get('/api/dingtalk/records')
                .query({ integrationId: evil, user: evil, reference: evil }),
              body => expect(body).toEqual({ items: [], total: 0 }),
            ],
            [
              'records outcome',
              request(s).get('/api/dingtalk/records').query({ outcome: evil }),
              () => {},
            ],
            [
              'links',
              request(s)
                .get('/api/dingtalk/links')
                .query({ integrationId: evil }),
              () => {},
            ],
            [
              'links q',
              request(s)
                .get('/api/dingtalk/links')
                .query({ integrationId: 'acme', q: evil }),
              body => expect(body.items).toEqual([]),
            ],
            [
              'unlink',
              request(s).delete(`/api/dingtalk/links/${e}/${e}`),
              () => {},
            ],
            [
              'link all',
              request(s).post(
                `/api/dingtalk/integrations/${e}/links/link-all-by-mobile`,
              ),
              () => {},
            ],
            [
              'confirm',
              request(s)
                .post('/api/dingtalk/links/confirm')
                .send({ ticket: evil }),
              () => {},
            ],
            [
              'send to integration',
              request(s)
                .post('/api/dingtalk/notify/send')
                .send({
                  integrationId: evil,
                  groups: ['cid0'],
                  message: { type: 'text', content: evil },
                }),
              () => {},
            ],
            [
              'send to evil recipients',
              request(s)
                .post('/api/dingtalk/notify/send')
                .send({
                  reference: evil,
                  users: [evil],
                  groups: [evil],
                  message: { type: 'text', content: evil },
                }),
              body =>
                expect(body.results.map((r: any) => r.outcome).sort()).toEqual([
                  'app not linked',
                  'failed',
                ]),
            ],
            [
              'send card',
              request(s)
                .post('/api/dingtalk/notify/send')
                .send({
                  groups: ['cid0'],
                  message: {
                    type: 'card',
                    outTrackId: evil,
                    title: evil,
                    markdown: evil,
                  },
                }),
              () => {},
            ],
            [
              'card update',
              request(s)
                .post('/api/dingtalk/notify/card-update')
                .send({ outTrackId: evil, cardParamMap: { a: evil } }),
              () => {},
            ],
            [
              'resolve users',
              request(s)
                .post('/api/dingtalk/notify/resolve-users')
                .send({ userEntityRefs: [evil], mobiles: [evil] }),
              () => {},
            ],
            [
              'resolve refs',
              request(s)
                .post('/api/dingtalk/notify/resolve-users')
                .send({ userEntityRefs: [evil] }),
              () => {},
            ],
            [
              'war room',
              request(s)
                .post('/api/dingtalk/warrooms')
                .send({ title: evil, uuid: evil, ownerUserEntityRef: evil }),
              () => {},
            ],
            [
              'war room invite',
              request(s)
                .post(`/api/dingtalk/warrooms/${e}/members`)
                .send({ userEntityRefs: [evil] }),
              () => {},
            ],
            [
              'war room post',
              request(s)
                .post(`/api/dingtalk/warrooms/${e}/messages`)
                .send({
                  reference: evil,
                  message: { type: 'markdown', title: evil, text: evil },
                }),
              () => {},
            ],
            [
              'h5 config',
              request(s).get(`/api/dingtalk/h5/${e}/config`),
              () => {},
            ],
            ['h5 page', request(s).get(`/api/dingtalk/h5/${e}/${e}`), () => {}],
            [
              'h5 session',
              request(s)
                .post(`/api/dingtalk/h5/${e}/session`)
                .send({ code: evil }),
              () => {},
            ],
            [
              'h5 session code',
              request(s)
                .post('/api/dingtalk/h5/acme/session')
                .send({ code: evil }),
              () => {},
            ],
            [
              'events of',
              post(
                s,
                signedEvent({ EventType: 'check_url' }),
                `/api/dingtalk/integrations/${e}/events`,
              ),
              () => {},
            ],
            [
              'events query',
              request(s)
                .post(EVENTS)
                .query({ signature: evil, timestamp: evil, nonce: evil })
                .send({ encrypt: evil }),
              () => {},
            ],
            ['events encrypt', post(s, signed(evil)), () => {}],
            [
              'event content',
              post(
                s,
                signedEvent({
                  EventType: 'chat_update_title',
                  OpenConversationId: evil,
                  ChatId: evil,
                  Title: evil,
                }),
              ),
              () => {},
            ],
            [
              'card callback',
              request(s)
                .post(`/api/dingtalk/integrations/acme/card-callback`)
                .query({ key: evil })
                .send({ outTrackId: evil, userId: evil }),
              () => {},
            ],
          ];
          for (const [name, req, check] of reqs) {
            const res = await req;
            if (res.status >= 500) {
              problems.push(
                `${name} ${JSON.stringify(evil)}: ${res.status} ${
                  res.body?.error?.message ?? res.text
                }`,
              );
            } else if (res.status >= 400) {
              if (!res.body?.error?.message)
                problems.push(
                  `${name} ${JSON.stringify(evil)}: ${
                    res.status
                  } without a reason`,
                );
            } else {
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
        expect(problems).toEqual([]);

        // Nothing dropped, nothing leaked into other rows: the only new rows
        // are the records of the evil sends and the events just pushed.
        const after = await countRows();
        expect(after.dingtalk_integrations).toBe(before.dingtalk_integrations);
        expect(after.dingtalk_groups).toBe(before.dingtalk_groups);
        expect(after.dingtalk_links).toBe(before.dingtalk_links);
        const list = await request(s)
          .get('/api/dingtalk/integrations/acme/groups')
          .query({ includeUninstalled: 'true' });
        expect(list.body.items.map((g: any) => g.title).sort()).toEqual(
          [...titles].sort(),
        );
        const integrations = await request(s).get('/api/dingtalk/integrations');
        expect(
          integrations.body.map((i: any) => [i.id, i.name, i.corpId]),
        ).toEqual([['acme', 'Acme', APP.corpId]]);
        const records = await request(s)
          .get('/api/dingtalk/records')
          .query({ reference: 'ref-1' });
        expect(records.body.items).toEqual([
          expect.objectContaining({ recipient: 'cid0', outcome: 'sent' }),
        ]);
      } finally {
        await backend.stop();
      }
    });

    it('survives a fuzz run of the event callback: random queries, bodies, base64, ciphertexts and plaintexts, never a 500', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startDingtalkBackend({ knex, emu });
      const s = backend.server;
      try {
        await request(s)
          .post('/api/dingtalk/integrations')
          .send(integrationBody)
          .expect(201);
        const failures: string[] = [];
        const expectNo500 = (what: string) => (res: request.Response) => {
          if (res.status >= 500 || res.status < 200)
            failures.push(
              `${what}: ${res.status} ${res.body?.error?.message ?? res.text}`,
            );
          return res.status < 500;
        };
        const runs = { numRuns: 125, seed: 4242 }; // 4 x 125 requests per database
        // 1. random query parameters and bodies
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(
              fc.oneof(
                fc.constantFrom(
                  'signature',
                  'msg_signature',
                  'timestamp',
                  'nonce',
                ),
                fc.string({ maxLength: 10 }),
              ),
              fc.oneof(
                fc.string({ maxLength: 200 }),
                fc.array(fc.string(), { maxLength: 3 }),
              ),
            ),
            fc.oneof(
              fc.jsonValue({ maxDepth: 3 }),
              fc.record({ encrypt: fc.jsonValue({ maxDepth: 2 }) }),
            ),
            async (query, body) =>
              expectNo500(
                `query ${JSON.stringify(query)} body ${JSON.stringify(body)}`,
              )(
                await request(s)
                  .post(EVENTS)
                  .query(query)
                  .set('content-type', 'application/json')
                  .send(JSON.stringify(body)),
              ),
          ),
          runs,
        );
        // 2. valid signature over random base64 / random bytes / cut ciphertexts
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.base64String({ minLength: 1, maxLength: 400 }),
              fc
                .uint8Array({ minLength: 1, maxLength: 600 })
                .map(b => Buffer.from(b).toString('base64')),
              fc
                .tuple(fc.string({ maxLength: 100 }), fc.nat())
                .map(([m, cut]) => {
                  const c = ours.encrypt(m);
                  return c.slice(0, Math.max(1, cut % c.length));
                }),
              fc.string({ minLength: 1, maxLength: 300 }),
            ),
            async encrypt => {
              const res = await post(s, signed(encrypt));
              return (
                expectNo500(`encrypt ${JSON.stringify(encrypt)}`)(res) &&
                res.status >= 400
              );
            },
          ),
          runs,
        );
        // 3. valid signature and ciphertext over random plaintexts
        const eventType = fc.oneof(
          fc.constantFrom(
            'check_url',
            'chat_update_title',
            'im_cool_app_install',
            'im_cool_app_uninstall',
          ),
          fc.string({ maxLength: 100 }),
        );
        const value = fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.jsonValue({ maxDepth: 2 }),
        );
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.string({ maxLength: 300 }),
              fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v)),
              fc
                .record(
                  {
                    EventType: eventType,
                    OpenConversationId: value,
                    ChatId: value,
                    Title: value,
                    CorpId: value,
                    eventType,
                    openConversationId: value,
                  },
                  { requiredKeys: ['EventType'] },
                )
                .map(v => JSON.stringify(v)),
            ),
            async plaintext => {
              const res = await post(s, signed(ours.encrypt(plaintext)));
              return expectNo500(
                `plaintext ${JSON.stringify(plaintext).slice(0, 300)}`,
              )(res);
            },
          ),
          runs,
        );
        // 4. tampered valid requests: one changed character anywhere
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('signature', 'timestamp', 'nonce', 'encrypt'),
            fc.nat(),
            fc.string({ minLength: 1, maxLength: 1 }),
            async (field, at, ch) => {
              const p = signedEvent({ EventType: 'check_url' });
              const all: Record<string, string> = {
                ...p.query,
                encrypt: p.body.encrypt,
              };
              const v = all[field];
              const i = at % v.length;
              // hex signatures compare case-insensitively: 'A' for 'a' is no change
              if (v[i].toLowerCase() === ch.toLowerCase()) return true;
              all[field] = v.slice(0, i) + ch + v.slice(i + 1);
              const res = await request(s)
                .post(EVENTS)
                .query({
                  signature: all.signature,
                  timestamp: all.timestamp,
                  nonce: all.nonce,
                })
                .send({ encrypt: all.encrypt });
              return expectNo500(`tampered ${field}`)(res) && res.status >= 400;
            },
          ),
          runs,
        );
        expect(failures).toEqual([]);
        // and the backend still works
        const ok = await post(
          s,
          signedEvent({
            EventType: 'im_cool_app_install',
            OpenConversationId: 'cid-after',
            Title: 'After fuzz',
          }),
        );
        expect(ours.decrypt(ok.body.encrypt)).toBe('success');
      } finally {
        await backend.stop();
      }
    });
  });

  it('refuses forged, stale and truncated callbacks, and processes a replayed one once', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startDingtalkBackend({ knex, emu });
    const s = backend.server;
    try {
      await request(s)
        .post('/api/dingtalk/integrations')
        .send(integrationBody)
        .expect(201);
      const groups = async () =>
        (
          await request(s)
            .get('/api/dingtalk/integrations/acme/groups')
            .query({ includeUninstalled: 'true' })
        ).body.items.map((g: any) => [g.title, g.installed]);
      const install = {
        EventType: 'im_cool_app_install',
        OpenConversationId: 'cid-r',
        Title: 'Replayed',
      };

      // forged: signed with another token, or another app's keys
      const forger = new DingtalkCallbackCrypto({
        token: 'not-the-token',
        aesKey: APP.aesKey,
        receiverId: APP.appKey,
      });
      const encrypt = forger.encrypt(JSON.stringify(install));
      const ts = String(Date.now());
      const forged = await post(s, {
        query: {
          signature: forger.sign(ts, 'n', encrypt),
          timestamp: ts,
          nonce: 'n',
        },
        body: { encrypt },
      });
      expect(forged.status).toBe(401);
      expect(forged.body.error.message).toContain('signature');
      const otherKey = new DingtalkCallbackCrypto({
        token: APP.token,
        aesKey: 'A'.repeat(43),
        receiverId: APP.appKey,
      });
      const enc2 = otherKey.encrypt(JSON.stringify(install));
      const forged2 = await post(s, {
        query: {
          signature: ours.sign(ts, 'n', enc2),
          timestamp: ts,
          nonce: 'n',
        },
        body: { encrypt: enc2 },
      });
      expect(forged2.status).toBe(400);
      expect(forged2.body.error.message).toContain('cannot be decrypted');
      const good = signedEvent(install);
      const badSig = await post(s, {
        ...good,
        query: { ...good.query, signature: good.query.signature.slice(0, 20) },
      });
      expect(badSig.status).toBe(401);
      // signature moved to msg_signature with another value than signature: msg_signature wins and must match
      const both = await post(s, {
        ...good,
        query: { ...good.query, msg_signature: 'f'.repeat(40) },
      });
      expect(both.status).toBe(401);

      // stale: ten minutes in the past or in the future, in ms and in seconds
      for (const t of [Date.now() - 10 * 60_000, Date.now() + 10 * 60_000]) {
        for (const timestamp of [String(t), String(Math.floor(t / 1000))]) {
          const res = await post(s, signedEvent(install, { timestamp }));
          expect({ timestamp, status: res.status }).toEqual({
            timestamp,
            status: 400,
          });
          expect(res.body.error.message).toContain('stale');
        }
      }
      // truncated: cut base64 (any length), a whole block cut off, a cut JSON body
      const full = ours.encrypt(JSON.stringify(install));
      const blocks = Buffer.from(full, 'base64');
      for (const cut of [
        full.slice(0, -1),
        full.slice(0, -2),
        full.slice(0, -5),
        full.slice(0, 10),
        blocks.subarray(0, blocks.length - 16).toString('base64'),
        blocks.subarray(0, 16).toString('base64'),
      ]) {
        const res = await post(s, signed(cut));
        expect({ cut: cut.length, status: res.status }).toEqual({
          cut: cut.length,
          status: 400,
        });
        expect(res.body.error.message).toMatch(/cannot be decrypted/);
      }
      const truncatedJson = await request(s)
        .post(EVENTS)
        .query(good.query)
        .set('content-type', 'application/json')
        .send(`{"encrypt":"${good.body.encrypt.slice(0, 30)}`);
      expect(truncatedJson.status).toBe(400);
      const truncatedPlain = await post(
        s,
        signedEvent(JSON.stringify(install).slice(0, 20)),
      );
      expect(truncatedPlain.status).toBe(400);
      expect(truncatedPlain.body.error.message).toContain('JSON');
      expect(await groups()).toEqual([]);

      // replayed: the very same request twice
      const first = await post(s, good);
      expect(first.status).toBe(200);
      expect(ours.decrypt(first.body.encrypt)).toBe('success');
      expect(await groups()).toEqual([['Replayed', true]]);
      const uninstall = await post(
        s,
        signedEvent({
          EventType: 'im_cool_app_uninstall',
          OpenConversationId: 'cid-r',
        }),
      );
      expect(uninstall.status).toBe(200);
      expect(await groups()).toEqual([['Replayed', false]]);
      const again = await post(s, good);
      expect(again.status).toBe(200);
      expect(ours.decrypt(again.body.encrypt)).toBe('success');
      expect(await groups()).toEqual([['Replayed', false]]); // not installed a second time
      const events = await knex('dingtalk_events').where({
        integration_id: 'acme',
      });
      expect(
        events.filter(e => e.event_type === 'im_cool_app_install'),
      ).toHaveLength(1);
    } finally {
      await backend.stop();
    }
  });

  it('refuses oversized input on every route with a 4xx', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startDingtalkBackend({ knex, emu });
    const s = backend.server;
    try {
      await request(s)
        .post('/api/dingtalk/integrations')
        .send(integrationBody)
        .expect(201);
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
          { ...integrationBody, id: 'other', name: long },
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
      check('event 100k field', await post(s, signed(long)));
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
    } finally {
      await backend.stop();
    }
  });

  it('refuses every API route without credentials (401) and without the permission it needs (403)', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startDingtalkBackend({
      knex,
      emu,
      features: [
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
      config: {
        dingtalk: {
          apiBaseUrl: emu.baseUrl,
          oapiBaseUrl: emu.baseUrl,
          encryptionKey: ENCRYPTION_KEY,
          integrations: [integrationBody],
        },
      },
    });
    const s = backend.server;
    try {
      // Every route of router.ts, with the permission it needs.
      const routes: Array<[string, string, object?]> = [
        ['get', '/api/dingtalk/integrations'],
        [
          'post',
          '/api/dingtalk/integrations',
          { ...integrationBody, id: 'other', clientId: 'other' },
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
      expect(seen401).toEqual(unauthenticated.map(([m, u]) => `${m} ${u} 401`));
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
    } finally {
      await backend.stop();
    }
  });

  it('never puts a secret in an API response or a log line, through create, credential test, update, events and failures', async () => {
    const knex = await databases.init('SQLITE_3');
    const logger = new CapturingLogger();
    const backend = await startDingtalkBackend({ knex, emu, logger });
    const s = backend.server;
    const newSecret = 'rotated-client-secret-value-0987654321';
    const newToken = 'rotated-signature-token-value';
    const bodies: string[] = [];
    const call = async (r: request.Test | Promise<request.Response>) => {
      const res = await r;
      bodies.push(res.text, JSON.stringify(res.headers));
      return res;
    };
    try {
      expect(
        (
          await call(
            request(s).post('/api/dingtalk/integrations').send(integrationBody),
          )
        ).status,
      ).toBe(201);
      await call(
        request(s).post('/api/dingtalk/integrations').send(integrationBody),
      ); // 409
      await call(
        request(s)
          .post('/api/dingtalk/integrations')
          .send({ ...integrationBody, id: 'bad', aesKey: `${APP.aesKey}x` }),
      ); // 400 echoing input?
      await call(request(s).get('/api/dingtalk/integrations'));
      await call(request(s).get('/api/dingtalk/integrations/acme'));
      expect(
        (await call(request(s).post('/api/dingtalk/integrations/acme/test')))
          .body.ok,
      ).toBe(true);
      // a refused secret: the failure message must not repeat it
      await call(
        request(s)
          .put('/api/dingtalk/integrations/acme')
          .send({ clientSecret: newSecret, token: newToken }),
      );
      expect(
        (await call(request(s).post('/api/dingtalk/integrations/acme/test')))
          .body.ok,
      ).toBe(false);
      // events, good and bad (logged failures)
      emu.control.updateApp(APP.appKey, {
        eventUrl: `http://127.0.0.1:${s.port()}${EVENTS}`,
      });
      await emu.control.sendCheckUrl({ appKey: APP.appKey }); // the emulator still signs with the old token: refused
      const rotated = new DingtalkCallbackCrypto({
        token: newToken,
        aesKey: APP.aesKey,
        receiverId: APP.appKey,
      });
      const enc = rotated.encrypt(
        JSON.stringify({
          EventType: 'im_cool_app_install',
          OpenConversationId: 'cid-s',
        }),
      );
      const ts = String(Date.now());
      expect(
        (
          await call(
            request(s)
              .post(EVENTS)
              .query({
                signature: rotated.sign(ts, 'n', enc),
                timestamp: ts,
                nonce: 'n',
              })
              .send({ encrypt: enc }),
          )
        ).status,
      ).toBe(200);
      await call(post(s, signedEvent({ EventType: 'check_url' }))); // old token: 401
      await call(
        request(s)
          .post(EVENTS)
          .query({
            signature: rotated.sign(ts, 'n', 'abc'),
            timestamp: ts,
            nonce: 'n',
          })
          .send({ encrypt: 'abc' }),
      );
      await call(
        request(s)
          .post('/api/dingtalk/notify/send')
          .send({ groups: ['cid-s'], message: { type: 'text', content: 'x' } }),
      );
      await call(request(s).get('/api/dingtalk/records'));
      await call(request(s).get('/api/dingtalk/integrations/acme/usage'));
      await call(
        request(s)
          .post('/api/dingtalk/h5/acme/session')
          .send({ code: 'made-up' }),
      );
      await call(request(s).delete('/api/dingtalk/integrations/acme'));

      const everything = [...bodies, ...logger.lines].join('\n');
      expect(logger.lines.length).toBeGreaterThan(0);
      for (const secret of [
        APP.appSecret,
        APP.aesKey,
        APP.token,
        ENCRYPTION_KEY,
        newSecret,
        newToken,
      ]) {
        expect({ secret, found: everything.includes(secret) }).toEqual({
          secret,
          found: false,
        });
      }
      // and not stored in clear either
      const rows = JSON.stringify(await knex('dingtalk_integrations').select());
      for (const secret of [
        APP.appSecret,
        APP.aesKey,
        APP.token,
        newSecret,
        newToken,
      ])
        expect(rows).not.toContain(secret);
    } finally {
      await backend.stop();
    }
  });
});

describe('DingtalkCallbackCrypto.decrypt under fuzzing', () => {
  // Every input either decrypts or throws DingtalkCryptoError: never another
  // exception (a crash, or a 500 in the callback route).
  const decryptSafely = (encrypt: unknown) => {
    try {
      const out = ours.decrypt(encrypt as string);
      expect(typeof out).toBe('string');
    } catch (e) {
      if (!(e instanceof DingtalkCryptoError)) throw e;
    }
  };

  // eslint-disable-next-line jest/expect-expect -- decryptSafely asserts
  it('throws only DingtalkCryptoError on random strings, base64, bytes and tampered ciphertexts', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), decryptSafely), {
      numRuns: 1500,
    });
    fc.assert(fc.property(fc.base64String({ maxLength: 400 }), decryptSafely), {
      numRuns: 1500,
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), b =>
        decryptSafely(Buffer.from(b).toString('base64')),
      ),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (m, at, x) => {
          const data = Buffer.from(ours.encrypt(m), 'base64');
          data[at % data.length] ^= x;
          decryptSafely(data.toString('base64'));
        },
      ),
      { numRuns: 1500 },
    );
    fc.assert(fc.property(fc.anything(), decryptSafely), { numRuns: 500 });
  });

  it('round-trips any text, and refuses it for another receiver', () => {
    const other = new DingtalkCallbackCrypto({
      token: APP.token,
      aesKey: APP.aesKey,
      receiverId: 'dingother',
    });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), m => {
        expect(ours.decrypt(ours.encrypt(m))).toBe(m);
        expect(() => ours.decrypt(other.encrypt(m))).toThrow(
          DingtalkCryptoError,
        );
      }),
      { numRuns: 600 },
    );
  });
});
