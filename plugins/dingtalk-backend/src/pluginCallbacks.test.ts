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
import { APP, withDingtalkBackend } from './__testUtils__/backend';
import {
  ours,
  postPush,
  signed,
  signedEvent,
} from './__testUtils__/eventPushes';
import { pluginSuite } from './__testUtils__/pluginSuite';

const DingTalkEncryptor = require('dingtalk-encrypt');

// The timeout these tests had in plugin.test.ts, which they were split from.
jest.setTimeout(30_000);

describe('dingtalk backend plugin', () => {
  let emu: EmulatorHandle;
  const databases = pluginSuite(e => (emu = e));

  it('accepts an event encrypted by dingtalk-encrypt, and its reply decrypts there', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const theirs = new DingTalkEncryptor(APP.token, APP.aesKey, APP.appKey);
      const timestamp = String(Date.now());
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'Via dingtalk-encrypt',
        ownerUserId: 'dt0',
        memberUserIds: [],
      });
      const { msg_signature, encrypt } = theirs.getEncryptedMap(
        JSON.stringify({
          EventType: 'im_cool_app_install',
          OpenConversationId: group.openConversationId,
          CorpId: APP.corpId,
        }),
        timestamp,
        'abcdef',
      );
      const res = await request(s)
        .post('/api/dingtalk/integrations/acme/events')
        .query({ msg_signature, timestamp, nonce: 'abcdef' })
        .send({ encrypt });
      expect(res.status).toBe(200);
      expect(
        theirs.getSignature(
          APP.token,
          res.body.timeStamp,
          res.body.nonce,
          res.body.encrypt,
        ),
      ).toBe(res.body.msg_signature);
      expect(theirs.decrypt(res.body.encrypt)).toBe('success');
      const groups = await request(s).get(
        '/api/dingtalk/integrations/acme/groups',
      );
      expect(groups.body.items[0].title).toBe('Via dingtalk-encrypt');
    });
  });

  it('refuses bad callbacks with a clear 4xx and stores nothing', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const url = '/api/dingtalk/integrations/acme/events';
      const install = {
        EventType: 'im_cool_app_install',
        OpenConversationId: 'cid-x',
      };
      const good = signedEvent(install);
      const cases: Array<[string, request.Test, number, string]> = [
        ['no query', request(s).post(url).send(good.body), 400, 'timestamp'],
        [
          'bad signature',
          request(s)
            .post(url)
            .query({ ...good.query, signature: 'f'.repeat(40) })
            .send(good.body),
          401,
          'signature',
        ],
        [
          'bad base64',
          postPush(s, signed('%%%not-base64%%%', { nonce: 'n' }), url),
          400,
          'cannot be decrypted',
        ],
        [
          'other receiver',
          (() => {
            const other = new DingtalkCallbackCrypto({
              token: APP.token,
              aesKey: APP.aesKey,
              receiverId: 'dingother',
            });
            const p = signedEvent(install, { crypto: other });
            return postPush(s, p, url);
          })(),
          400,
          'another app',
        ],
        [
          'stale',
          (() => {
            const p = signedEvent(install, {
              timestamp: String(Date.now() - 10 * 60_000),
            });
            return postPush(s, p, url);
          })(),
          400,
          'stale',
        ],
        [
          'no body',
          request(s).post(url).query(good.query).send({}),
          400,
          'encrypt',
        ],
        [
          'oversized',
          request(s)
            .post(url)
            .query(good.query)
            .send({ encrypt: 'A'.repeat(200_000) }),
          413,
          '',
        ],
        [
          'unknown integration',
          request(s)
            .post('/api/dingtalk/integrations/nope/events')
            .query(good.query)
            .send(good.body),
          404,
          'nope',
        ],
        [
          'not json',
          postPush(
            s,
            signed(ours.encrypt('not json at all'), { nonce: 'n' }),
            url,
          ),
          400,
          'JSON',
        ],
      ];
      for (const [name, req, status, reason] of cases) {
        const res = await req;
        expect({ name, status: res.status }).toEqual({ name, status });
        expect(res.body.error?.message ?? '').toContain(reason);
      }
      const groups = await request(s).get(
        '/api/dingtalk/integrations/acme/groups?includeUninstalled=true',
      );
      expect(groups.body.items).toEqual([]);
    });
  });
});
