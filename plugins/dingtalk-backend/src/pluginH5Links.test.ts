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

import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import { APP, userEntity, withDingtalkBackend } from './__testUtils__/backend';
import { pluginSuite } from './__testUtils__/pluginSuite';

// The timeout these tests had in plugin.test.ts, which they were split from.
jest.setTimeout(30_000);

describe('dingtalk backend plugin', () => {
  let emu: EmulatorHandle;
  const databases = pluginSuite(e => (emu = e));

  it('links a DingTalk user on the first H5 visit, and the next visit is login-free', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      {
        knex,
        emu,
        users: [userEntity('mock')],
      },
      async s => {
        const page = await request(s).get('/api/dingtalk/h5/acme/home');
        expect(page.status).toBe(200);
        expect(page.text).toContain('<script src="../assets/app.js"></script>');
        expect(page.text).not.toMatch(/<script>[^<]/);
        const js = await request(s).get('/api/dingtalk/h5/assets/app.js');
        expect(js.status).toBe(200);
        // DingTalk's JSAPI, bundled at build time (scripts/build-h5.js).
        const jsapi = await request(s).get(
          '/api/dingtalk/h5/assets/dingtalk-jsapi.js',
        );
        expect(jsapi.status).toBe(200);
        expect(jsapi.type).toBe('application/javascript');
        expect(jsapi.text).toContain('window.dd=');

        const session = async () => {
          const { code } = emu.control.issueAuthCode({
            appKey: APP.appKey,
            userId: 'dt7',
          });
          return request(s)
            .post('/api/dingtalk/h5/acme/session')
            .send({ code });
        };
        const first = await session();
        expect(first.body).toMatchObject({
          linked: false,
          dingtalkName: 'Person 7',
        });
        const ticket = decodeURIComponent(
          new URL(first.body.linkUrl).hash.replace(/^#ticket=/, ''),
        );
        // the signed-in Backstage user (the test backend's default user)
        // confirms, in the browser the H5 session's cookie was set in
        const confirmed = await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('cookie', String(first.headers['set-cookie']).split(';')[0])
          .send({ ticket });
        expect(confirmed.status).toBe(201);
        expect(confirmed.body).toMatchObject({
          userEntityRef: 'user:default/mock',
          dingtalkUserId: 'dt7',
        });
        const second = await session();
        expect(second.body).toMatchObject({
          linked: true,
          userEntityRef: 'user:default/mock',
        });
        const mine = await request(s).get('/api/dingtalk/links/me');
        expect(mine.body).toEqual([
          expect.objectContaining({
            integrationId: 'acme',
            dingtalkUserId: 'dt7',
          }),
        ]);
        const links = await request(s).get(
          '/api/dingtalk/links?integrationId=acme&filter=linked',
        );
        expect(links.body.items).toEqual([
          expect.objectContaining({
            userEntityRef: 'user:default/mock',
            dingtalkUserId: 'dt7',
          }),
        ]);
        await request(s)
          .delete(
            `/api/dingtalk/links/acme/${encodeURIComponent(
              'user:default/mock',
            )}`,
          )
          .expect(204);
        expect((await session()).body.linked).toBe(false);
      },
    );
  });
});
