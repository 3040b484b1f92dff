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
import { securitySuite } from './__testUtils__/securitySuite';
import {
  EVENTS,
  ours,
  postPush,
  signed,
  signedEvent,
} from './__testUtils__/eventPushes';

// Forged, stale, truncated and replayed event pushes. Split from
// security.test.ts.

jest.setTimeout(60_000);

describe('dingtalk backend security', () => {
  let emu: EmulatorHandle;
  const databases = securitySuite(e => (emu = e));

  it('refuses forged, stale and truncated callbacks, and processes a replayed one once', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
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
      const forged = await postPush(s, {
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
      const forged2 = await postPush(s, {
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
      const badSig = await postPush(s, {
        ...good,
        query: { ...good.query, signature: good.query.signature.slice(0, 20) },
      });
      expect(badSig.status).toBe(401);
      // signature moved to msg_signature with another value than signature: msg_signature wins and must match
      const both = await postPush(s, {
        ...good,
        query: { ...good.query, msg_signature: 'f'.repeat(40) },
      });
      expect(both.status).toBe(401);

      // stale: ten minutes in the past or in the future, in ms and in seconds
      for (const t of [Date.now() - 10 * 60_000, Date.now() + 10 * 60_000]) {
        for (const timestamp of [String(t), String(Math.floor(t / 1000))]) {
          const res = await postPush(s, signedEvent(install, { timestamp }));
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
        const res = await postPush(s, signed(cut));
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
      const truncatedPlain = await postPush(
        s,
        signedEvent(JSON.stringify(install).slice(0, 20)),
      );
      expect(truncatedPlain.status).toBe(400);
      expect(truncatedPlain.body.error.message).toContain('JSON');
      expect(await groups()).toEqual([]);

      // replayed: the very same request twice
      const first = await postPush(s, good);
      expect(first.status).toBe(200);
      expect(ours.decrypt(first.body.encrypt)).toBe('success');
      expect(await groups()).toEqual([['Replayed', true]]);
      const uninstall = await postPush(
        s,
        signedEvent({
          EventType: 'im_cool_app_uninstall',
          OpenConversationId: 'cid-r',
        }),
      );
      expect(uninstall.status).toBe(200);
      expect(await groups()).toEqual([['Replayed', false]]);
      const again = await postPush(s, good);
      expect(again.status).toBe(200);
      expect(ours.decrypt(again.body.encrypt)).toBe('success');
      expect(await groups()).toEqual([['Replayed', false]]); // not installed a second time
      const events = await knex('dingtalk_events').where({
        integration_id: 'acme',
      });
      expect(
        events.filter(e => e.event_type === 'im_cool_app_install'),
      ).toHaveLength(1);
    });
  });
});
