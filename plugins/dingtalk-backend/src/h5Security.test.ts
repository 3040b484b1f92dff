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
import type { Knex } from 'knex';
import request from 'supertest';
import { APP } from './__testUtils__/backend';
import {
  ALICE,
  as,
  BOB,
  h5AttackSuite,
  h5Session as openH5Session,
  startH5Backend,
} from './__testUtils__/h5Attack';

jest.setTimeout(120_000);

describe('H5 sign-in and account linking under attack', () => {
  let emu: EmulatorHandle;
  const databases = h5AttackSuite(e => (emu = e));
  const start = (knex: Knex, config?: object) =>
    startH5Backend(emu, knex, config);
  const h5Session = (s: any, userId: string) => openH5Session(emu, s, userId);

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
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
