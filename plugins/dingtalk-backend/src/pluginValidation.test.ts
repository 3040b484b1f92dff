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
import { INTEGRATION_BODY, withDingtalkBackend } from './__testUtils__/backend';
import { pluginSuite } from './__testUtils__/pluginSuite';

const integrationBody = INTEGRATION_BODY;

// The timeout these tests had in plugin.test.ts, which they were split from.
jest.setTimeout(30_000);

describe('dingtalk backend plugin', () => {
  let emu: EmulatorHandle;
  const databases = pluginSuite(e => (emu = e));

  it('answers bad input on every route with a 4xx and a reason', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu, integration: false }, async s => {
      const cases: Array<[request.Test, number, string]> = [
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integrationBody, aesKey: 'short' }),
          400,
          'aes_key must be exactly 43 characters',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integrationBody, id: 'Bad Id!' }),
          400,
          'id must be',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integrationBody, edition: 'gold' }),
          400,
          'edition',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ name: "x'; drop table dingtalk_integrations; --" }),
          400,
          'corpId',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .set('content-type', 'application/json')
            .send('{"broken'),
          400,
          '',
        ],
        [request(s).get('/api/dingtalk/integrations/missing'), 404, 'missing'],
        [
          request(s)
            .put('/api/dingtalk/integrations/missing')
            .send({ name: 'x' }),
          404,
          'missing',
        ],
        [
          request(s).get('/api/dingtalk/integrations/missing/groups'),
          404,
          'missing',
        ],
        [request(s).get('/api/dingtalk/records?limit=100000'), 400, 'limit'],
        [request(s).get('/api/dingtalk/records?outcome=bogus'), 400, 'outcome'],
        [
          request(s)
            .post('/api/dingtalk/notify/send')
            .send({ message: { type: 'sms' } }),
          400,
          'type',
        ],
        [
          request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              users: ['user:default/a'],
              message: { type: 'text', content: 'x' },
            }),
          400,
          'No DingTalk integration',
        ],
        [
          request(s)
            .post('/api/dingtalk/links/confirm')
            .send({ ticket: 'forged.ticket' }),
          400,
          'invalid or has expired',
        ],
        [request(s).get('/api/dingtalk/links'), 400, 'integrationId'],
        [
          request(s)
            .post('/api/dingtalk/h5/missing/session')
            .send({ code: 'x' }),
          404,
          'missing',
        ],
      ];
      for (const [req, status, reason] of cases) {
        const res = await req;
        expect({ url: (res as any).req.path, status: res.status }).toEqual({
          url: (res as any).req.path,
          status,
        });
        expect(res.body.error?.message ?? '').toContain(reason);
      }
      await request(s)
        .post('/api/dingtalk/integrations')
        .send(integrationBody)
        .expect(201);
      const clash = await request(s)
        .post('/api/dingtalk/integrations')
        .send(integrationBody);
      expect(clash.status).toBe(409);
      const h5 = await request(s)
        .post('/api/dingtalk/h5/acme/session')
        .send({ code: 'made-up' });
      expect(h5.status).toBe(400);
      expect(h5.body.error.message).toContain('auth code');
      const noWarRoom = await request(s)
        .post('/api/dingtalk/warrooms')
        .send({ title: 'x', ownerMobile: '13800000001', uuid: 'u' });
      expect(noWarRoom.status).toBe(400);
      expect(noWarRoom.body.error.message).toContain('Template ID');
    });
  });

  it('tests credentials by fetching a token', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      expect(
        (await request(s).post('/api/dingtalk/integrations/acme/test')).body.ok,
      ).toBe(true);
      await request(s)
        .put('/api/dingtalk/integrations/acme')
        .send({ clientSecret: 'wrong-secret' })
        .expect(200);
      const bad = await request(s).post('/api/dingtalk/integrations/acme/test');
      expect(bad.body).toMatchObject({ ok: false });
      expect(bad.body.message).toContain('invalidClientIdOrSecret');
    });
  });
});
