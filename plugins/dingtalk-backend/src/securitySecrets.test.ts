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

import { DingtalkCallbackCrypto } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  ENCRYPTION_KEY,
  INTEGRATION_BODY,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { securitySuite } from './__testUtils__/securitySuite';
import { EVENTS, postPush, signedEvent } from './__testUtils__/eventPushes';

// No secret in any response or log line, and none stored in clear. Split
// from security.test.ts.

jest.setTimeout(60_000);

describe('dingtalk backend security', () => {
  let emu: EmulatorHandle;
  const databases = securitySuite(e => (emu = e));

  it('never puts a secret in an API response or a log line, through create, credential test, update, events and failures', async () => {
    const knex = await databases.init('SQLITE_3');
    const logger = new CapturingLogger();
    const newSecret = 'rotated-client-secret-value-0987654321';
    const newToken = 'rotated-signature-token-value';
    const bodies: string[] = [];
    const call = async (r: request.Test | Promise<request.Response>) => {
      const res = await r;
      bodies.push(res.text, JSON.stringify(res.headers));
      return res;
    };
    // created below, through `call`, to record what the create answers
    await withDingtalkBackend(
      { knex, emu, logger, integration: false },
      async s => {
        expect(
          (
            await call(
              request(s)
                .post('/api/dingtalk/integrations')
                .send(INTEGRATION_BODY),
            )
          ).status,
        ).toBe(201);
        await call(
          request(s).post('/api/dingtalk/integrations').send(INTEGRATION_BODY),
        ); // 409
        await call(
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...INTEGRATION_BODY, id: 'bad', aesKey: `${APP.aesKey}x` }),
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
        await call(postPush(s, signedEvent({ EventType: 'check_url' }))); // old token: 401
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
            .send({
              groups: ['cid-s'],
              message: { type: 'text', content: 'x' },
            }),
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
        const rows = JSON.stringify(
          await knex('dingtalk_integrations').select(),
        );
        for (const secret of [
          APP.appSecret,
          APP.aesKey,
          APP.token,
          newSecret,
          newToken,
        ])
          expect(rows).not.toContain(secret);
      },
    );
  });
});
