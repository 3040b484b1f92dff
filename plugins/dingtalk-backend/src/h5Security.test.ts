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
import { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  INTEGRATION_BODY,
  startDingtalkBackend,
  userEntity,
} from './__testUtils__/backend';
import { emulatorPerTest, person } from './__testUtils__/emulator';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const as = (ref: string) => mockCredentials.user.header(ref);

function withProfile(name: string, mobile: string, email: string) {
  const e = userEntity(name, mobile);
  (e.spec as any).profile.email = email;
  return e;
}

jest.setTimeout(120_000);

describe('H5 sign-in and account linking under attack', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      people: [
        {
          ...person('dt-alice', '13900000001', 'Alice in DingTalk'),
          avatar: 'https://static-legacy.dingtalk.com/media/alice.png',
          email: 'alice@example.com',
        },
        {
          ...person('dt-mallory', '13900000666', 'Mallory'),
          email: 'mallory@example.com',
        },
      ],
    },
    e => (emu = e),
  );

  async function start(knex: Knex, config: object = {}) {
    const logger = new CapturingLogger();
    const backend = await startDingtalkBackend({
      knex,
      emu,
      logger,
      users: [
        withProfile('alice', '13900000001', 'alice@example.com'),
        withProfile('bob', '13900000002', 'bob@example.com'),
      ],
      config: { dingtalk: { ...baseDingtalk(emu), ...config } },
    });
    await request(backend.server)
      .post('/api/dingtalk/integrations')
      .send(INTEGRATION_BODY)
      .expect(201);
    return { backend, logger, s: backend.server };
  }

  /** The H5 page in one DingTalk web view: an auth code for `userId`, and the cookie it got back. */
  async function h5Session(s: any, userId: string) {
    const { code } = emu.control.issueAuthCode({ appKey: APP.appKey, userId });
    const res = await request(s)
      .post('/api/dingtalk/h5/acme/session')
      .send({ code });
    expect(res.status).toBe(200);
    const setCookie = String(res.headers['set-cookie'] ?? '');
    if (res.body.linked === false)
      expect(setCookie).toMatch(
        /^dingtalk_h5_session=[\w-]{43}; Max-Age=300; Path=\/api\/dingtalk; .*HttpOnly; SameSite=Lax/,
      );
    const cookie = setCookie.split(';')[0];
    const ticket = res.body.linkUrl
      ? new URL(res.body.linkUrl).hash.replace(/^#ticket=/, '')
      : '';
    return { res, cookie, ticket: decodeURIComponent(ticket) };
  }

  const getuserinfoCalls = () =>
    emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey]?.byApi[
      'user.getuserinfo'
    ] ?? 0;

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('refuses 1,000 malformed auth codes without a single DingTalk call', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await start(knex);
      try {
        // Creating the integration registers its card callback (one call, in
        // the background): let it land first.
        for (let i = 0; i < 100 && !emu.control.calls().total; i++)
          await new Promise(r => setTimeout(r, 50));
        await new Promise(r => setTimeout(r, 200));
        const callsBefore = emu.control.calls({ appKey: APP.appKey }).total;
        const usageBefore = (
          await request(s).get('/api/dingtalk/integrations/acme/usage')
        ).body.calls;
        const malformed = (i: number): unknown => {
          switch (i % 8) {
            case 0:
              return { code: `not a code ${i}` };
            case 1:
              return { code: 'x'.repeat(i % 8) };
            case 2:
              return { code: `${'a'.repeat(129)}${i}` };
            case 3:
              return { code: `code<script>${i}` };
            case 4:
              return { code: i };
            case 5:
              return { code: ['abcdefgh'] };
            case 6:
              return {};
            default:
              return { code: `'; DROP TABLE x; -- ${i}` };
          }
        };
        const statuses: number[] = [];
        for (let i = 0; i < 1000; i += 50) {
          const batch = await Promise.all(
            Array.from({ length: 50 }, (_, j) =>
              request(s)
                .post('/api/dingtalk/h5/acme/session')
                .send(malformed(i + j) as object),
            ),
          );
          for (const res of batch) {
            statuses.push(res.status);
            expect(res.body.error.message).toContain('auth code');
          }
        }
        expect(new Set(statuses)).toEqual(new Set([400]));
        expect(getuserinfoCalls()).toBe(0);
        expect(emu.control.calls({ appKey: APP.appKey }).total).toBe(
          callsBefore,
        );
        const usageAfter = (
          await request(s).get('/api/dingtalk/integrations/acme/usage')
        ).body.calls;
        expect(usageAfter).toBe(usageBefore);
      } finally {
        await backend.stop();
      }
    });

    it('rate limits a burst of well-formed guesses with a reason, and a page sent meanwhile is not held up', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await start(knex);
      try {
        const group = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'On-call',
          ownerUserId: 'dt-alice',
          memberUserIds: [],
        });
        group.coolApps.push(APP.appKey);
        const page = async () => {
          const t = Date.now();
          await request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              groups: [group.openConversationId],
              message: { type: 'text', content: 'CPU on fire' },
            })
            .expect(200);
          return Date.now() - t;
        };
        // the burst must fall in one one-minute window of the rate limit
        if (Date.now() % 60_000 > 45_000)
          await new Promise(r => setTimeout(r, 60_500 - (Date.now() % 60_000)));
        const alone = await page();
        const burst = Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            request(s)
              .post('/api/dingtalk/h5/acme/session')
              .send({ code: `0123456789abcdef${String(i).padStart(8, '0')}` }),
          ),
        );
        const during = await page();
        const answers = await burst;
        // The page goes out about as fast as without the burst: give or take
        // the second the shared limiter may make any call wait, and a loaded
        // test machine. Before the rate limits and lanes, the 60 guesses
        // queued for DingTalk at 18 calls a second with the page among them.
        expect(during).toBeLessThan(alone + 2_500);
        // 10 a minute per address: the other 50 never reach DingTalk
        const limited = answers.filter(
          a =>
            a.status === 429 &&
            /Too many .* from this address/.test(a.body.error.message),
        );
        expect(limited.length).toBe(50);
        expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);
        expect(answers.every(a => a.status === 429 || a.status === 400)).toBe(
          true,
        );
        expect(getuserinfoCalls()).toBeLessThanOrEqual(10);
        // the page's own call went through
        expect(
          emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi[
            'robot.groupMessages.send'
          ],
        ).toBe(2);
      } finally {
        await backend.stop();
      }
    });

    it('rate limits an integration across addresses', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await start(knex, {
        h5: {
          rateLimit: { perAddressPerMinute: 1000, perIntegrationPerMinute: 5 },
        },
      });
      try {
        // the eight attempts must fall in one one-minute window
        if (Date.now() % 60_000 > 45_000)
          await new Promise(r => setTimeout(r, 60_500 - (Date.now() % 60_000)));
        const answers = [];
        for (let i = 0; i < 8; i++)
          answers.push(
            await request(s)
              .post('/api/dingtalk/h5/acme/session')
              .send({ code: `guess-${String(i).padStart(8, '0')}` }),
          );
        expect(answers.map(a => a.status)).toEqual([
          400, 400, 400, 400, 400, 429, 429, 429,
        ]);
        expect(answers[5].body.error.message).toContain('for this integration');
        expect(getuserinfoCalls()).toBe(5);
      } finally {
        await backend.stop();
      }
    });

    it('links with a ticket once, only from the H5 session that asked for it, and never after five minutes', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s, logger } = await start(knex);
      try {
        // Mallory opens the app in her DingTalk and sends her link to Alice.
        const mallory = await h5Session(s, 'dt-mallory');
        expect(mallory.res.body).toMatchObject({
          linked: false,
          expiresInSeconds: 300,
        });
        expect(mallory.res.body.linkUrl).not.toContain('?ticket=');
        const phished = await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('authorization', as(ALICE))
          .send({ ticket: mallory.ticket });
        expect(phished.status).toBe(403);
        expect(phished.body.error.message).toContain(
          'not opened from your DingTalk app',
        );
        // signed out, nothing is shown at all
        for (const route of ['preview', 'confirm'])
          expect(
            (
              await request(s)
                .post(`/api/dingtalk/links/${route}`)
                .set('authorization', mockCredentials.none.header())
                .set('cookie', mallory.cookie)
                .send({ ticket: mallory.ticket })
            ).status,
          ).toBe(401);
        // nor with a cookie of another H5 session (Alice's own)
        const alice = await h5Session(s, 'dt-alice');
        const crossed = await request(s)
          .post('/api/dingtalk/links/preview')
          .set('authorization', as(ALICE))
          .set('cookie', alice.cookie)
          .send({ ticket: mallory.ticket });
        expect(crossed.status).toBe(403);

        // Alice's own ticket, from her own DingTalk window: shown, then linked once.
        const preview = await request(s)
          .post('/api/dingtalk/links/preview')
          .set('authorization', as(ALICE))
          .set('cookie', alice.cookie)
          .send({ ticket: alice.ticket });
        expect(preview.status).toBe(200);
        expect(preview.body).toMatchObject({
          integration: { id: 'acme', name: 'Acme', corpId: APP.corpId },
          dingtalk: {
            userId: 'dt-alice',
            name: 'Alice in DingTalk',
            avatarUrl: 'https://static-legacy.dingtalk.com/media/alice.png',
          },
          backstage: { userEntityRef: ALICE, displayName: 'alice' },
          warnings: [],
        });
        const confirm = () =>
          request(s)
            .post('/api/dingtalk/links/confirm')
            .set('authorization', as(ALICE))
            .set('cookie', alice.cookie)
            .send({ ticket: alice.ticket });
        const first = await confirm();
        expect(first.status).toBe(201);
        expect(first.body).toMatchObject({
          userEntityRef: ALICE,
          dingtalkUserId: 'dt-alice',
        });
        const replay = await confirm();
        expect(replay.status).toBe(400);
        expect(replay.body.error.message).toContain('used already');

        // A ticket five minutes old no longer works.
        const bob = await h5Session(s, 'dt-mallory');
        await knex('dingtalk_link_tickets')
          .update({
            expires_at: Date.now() - 1,
          })
          .whereNull('used_at');
        const late = await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('authorization', as(BOB))
          .set('cookie', bob.cookie)
          .send({ ticket: bob.ticket });
        expect(late.status).toBe(400);
        expect(late.body.error.message).toContain('expired');

        expect(await knex('dingtalk_links').select('dingtalk_user_id')).toEqual(
          [{ dingtalk_user_id: 'dt-alice' }],
        );
        // every attempt is an audit event, the refused ones included
        const audit = logger.lines.filter(l => l.includes('link-mutate'));
        expect(audit.length).toBeGreaterThanOrEqual(4);
        expect(audit.join('\n')).toContain('dt-alice');
        // no ticket or session cookie in any log line
        const log = logger.lines.join('\n');
        for (const secret of [
          alice.ticket,
          mallory.ticket,
          alice.cookie.split('=')[1],
        ])
          expect(log).not.toContain(secret);
      } finally {
        await backend.stop();
      }
    });

    it('warns when the catalog and DingTalk disagree, and re-linking takes an explicit unlink', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s } = await start(knex);
      try {
        const first = await h5Session(s, 'dt-alice');
        await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('authorization', as(ALICE))
          .set('cookie', first.cookie)
          .send({ ticket: first.ticket })
          .expect(201);

        // Alice, already linked, follows a link for another DingTalk account.
        const other = await h5Session(s, 'dt-mallory');
        const preview = await request(s)
          .post('/api/dingtalk/links/preview')
          .set('authorization', as(ALICE))
          .set('cookie', other.cookie)
          .send({ ticket: other.ticket });
        expect(preview.body.warnings).toEqual([
          'The mobile number in the catalog is not the one of this DingTalk account',
          'The email in the catalog is not the one of this DingTalk account',
        ]);
        expect(preview.body.conflict).toContain('unlink it first');
        const relink = await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('authorization', as(ALICE))
          .set('cookie', other.cookie)
          .send({ ticket: other.ticket });
        expect(relink.status).toBe(409);
        expect(relink.body.error.message).toContain('unlink it first');
        // Bob cannot take over Alice's DingTalk account either.
        const again = await h5Session(s, 'dt-alice');
        expect(again.res.body.linked).toBe(true);

        await request(s)
          .delete(`/api/dingtalk/links/acme/${encodeURIComponent(ALICE)}`)
          .set('authorization', as(ALICE))
          .expect(204);
        // after the unlink, the same (still fresh, unused) ticket links
        const relinked = await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('authorization', as(ALICE))
          .set('cookie', other.cookie)
          .send({ ticket: other.ticket });
        expect(relinked.status).toBe(201);
        expect(relinked.body.dingtalkUserId).toBe('dt-mallory');
      } finally {
        await backend.stop();
      }
    });
  });

  it('loads the JSAPI the config names, never one from the page URL', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, s } = await start(knex, {
      h5: { jsapiUrl: 'http://127.0.0.1:7788/_emulator/jsapi-shim.js' },
    });
    try {
      const config = await request(s).get('/api/dingtalk/h5/acme/config');
      expect(config.body.jsapiUrl).toBe(
        'http://127.0.0.1:7788/_emulator/jsapi-shim.js',
      );
      const js = await request(s).get('/api/dingtalk/h5/assets/app.js');
      expect(js.text).toContain('loadScript(config.jsapiUrl)');
      expect(js.text).not.toMatch(/location\.search|searchParams|'emulator'/);
    } finally {
      await backend.stop();
    }
    const plain = await start(await databases.init('SQLITE_3'));
    try {
      const config = await request(plain.s).get('/api/dingtalk/h5/acme/config');
      expect(config.body.jsapiUrl).toBe(
        '/api/dingtalk/h5/assets/dingtalk-jsapi.js',
      );
    } finally {
      await plain.backend.stop();
    }
  });
});

function baseDingtalk(emu: EmulatorHandle) {
  return {
    apiBaseUrl: emu.baseUrl,
    oapiBaseUrl: emu.baseUrl,
    encryptionKey: 'test-encryption-key-0123456789abcdef',
  };
}
