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
  DingtalkCallbackCrypto,
  DingtalkCryptoError,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import fc from 'fast-check';
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

// The event callback and its crypto under fuzzing: never a 500, and the
// decrypter throws only its own error. Split from security.test.ts.

jest.setTimeout(60_000);

describe('dingtalk backend security', () => {
  let emu: EmulatorHandle;
  const databases = securitySuite(e => (emu = e));

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('survives a fuzz run of the event callback: random queries, bodies, base64, ciphertexts and plaintexts, never a 500', async () => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend({ knex, emu }, async s => {
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
              const res = await postPush(s, signed(encrypt));
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
              const res = await postPush(s, signed(ours.encrypt(plaintext)));
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
        const ok = await postPush(
          s,
          signedEvent({
            EventType: 'im_cool_app_install',
            OpenConversationId: 'cid-after',
            Title: 'After fuzz',
          }),
        );
        expect(ours.decrypt(ok.body.encrypt)).toBe('success');
      });
    });
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
