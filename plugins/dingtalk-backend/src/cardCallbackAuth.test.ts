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

import { TestDatabases } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import { CapturingLogger, ENCRYPTION_KEY } from './__testUtils__/backend';
import {
  acknowledgedByAlice,
  aliceClick,
  CARD,
  clickBody,
  createCardEmulator,
  dingtalkSigned,
  emuApp,
  MINUTE,
  startWithCard,
} from './__testUtils__/cardCallbacks';
import { SecretBox } from './lib/SecretBox';

jest.setTimeout(60_000);

describe('HTTP card callbacks are authenticated by DingTalk’s signature', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  /** DingTalk's clock against ours: a click signed minutes ago is a replay. */
  const clock = { skew: 0 };

  beforeEach(async () => {
    clock.skew = 0;
    emu = await createCardEmulator(clock);
  });
  afterEach(() => emu.close());

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('refuses a forged click (old-style URL key, any userId, no or a wrong signature) with 401 and forwards nothing', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s, clicks, status } = await startWithCard(emu, knex);
      try {
        // The URL DingTalk was given carries nothing secret.
        expect(emuApp(emu).cardCallbackUrl).toMatch(
          /^http:\/\/[^?]+\/api\/dingtalk\/integrations\/acme\/card-callback$/,
        );
        const before = status();
        // The key the old code accepted, computed as anyone who knows the encryption key would.
        const oldKey = new SecretBox(ENCRYPTION_KEY).mac('card-callback:acme');
        const attempts: Array<[string, request.Test, RegExp]> = [
          [
            'URL key, no signature',
            request(s).post(CARD).query({ key: oldKey }).send(clickBody()),
            /unsigned/i,
          ],
          [
            'no signature at all',
            request(s).post(CARD).send(clickBody('someone-else')),
            /unsigned/i,
          ],
          [
            'signed with another secret',
            request(s)
              .post(CARD)
              .query({ key: oldKey })
              .set(dingtalkSigned('not-the-secret'))
              .send(clickBody()),
            /does not match/i,
          ],
          [
            'signed with the encryption key',
            request(s)
              .post(CARD)
              .set(dingtalkSigned(ENCRYPTION_KEY))
              .send(clickBody()),
            /does not match/i,
          ],
          [
            'a signature of the wrong length',
            request(s)
              .post(CARD)
              .set({
                'x-ddpaas-signature-timestamp': String(Date.now()),
                'x-ddpaas-signature': 'AAAA',
              })
              .send(clickBody()),
            /does not match/i,
          ],
          [
            'a timestamp that is not a time',
            request(s)
              .post(CARD)
              .set(dingtalkSigned(emuApp(emu).cardApiSecret!, 'yesterday'))
              .send(clickBody()),
            /Unix time/i,
          ],
        ];
        const seen: string[] = [];
        for (const [name, attempt, reason] of attempts) {
          const res = await attempt;
          seen.push(`${name}: ${res.status}`);
          expect(res.body.error?.message).toMatch(reason);
        }
        expect(seen).toEqual(attempts.map(([name]) => `${name}: 401`));
        expect(clicks).toEqual([]);
        expect(status()).toBe(before);
      } finally {
        await backend.stop();
      }
    });

    it('accepts a click DingTalk signed, and refuses one signed more than 5 minutes before or after our clock (a replay)', async () => {
      const knex = await databases.init(databaseId);
      const logger = new CapturingLogger();
      const { backend, s, clicks, status, click } = await startWithCard(
        emu,
        knex,
        { logger },
      );
      try {
        const secret = emuApp(emu).cardApiSecret!;

        // signed by DingTalk 6 minutes ago (a recorded click replayed), or 6 minutes ahead
        for (const skew of [-6 * MINUTE, 6 * MINUTE]) {
          clock.skew = skew;
          const replayed = await click();
          expect(replayed.status).toBe(401);
          expect((replayed.response as any).error.message).toMatch(
            /more than 5 minutes off/,
          );
        }
        const replay = await request(s)
          .post(CARD)
          .set(dingtalkSigned(secret, String(Date.now() - 10 * MINUTE)))
          .send(clickBody());
        expect(replay.status).toBe(401);
        // a timestamp in seconds is read as seconds (DingTalk's documented example is in seconds)
        const inSeconds = await request(s)
          .post(CARD)
          .set(
            dingtalkSigned(secret, String(Math.floor(Date.now() / 1000) - 400)),
          )
          .send(clickBody());
        expect(inSeconds.status).toBe(401);
        expect(clicks).toEqual([]);
        expect(status()).not.toBe('acknowledged');

        // DingTalk's own click, now: forwarded once, the card changes
        clock.skew = 0;
        const clicked = await click();
        expect(clicked).toMatchObject(acknowledgedByAlice());
        expect(clicks).toEqual([
          aliceClick({ userEntityRef: 'user:default/alice' }),
        ]);
        expect(status()).toBe('acknowledged');

        // sealed at rest, in no log line, in no URL
        const rows = await knex('dingtalk_card_secrets').select();
        expect(rows).toHaveLength(1);
        expect(JSON.stringify(rows)).not.toContain(secret);
        const log = logger.lines.join('\n');
        expect(log).not.toContain(secret);
        expect(log).not.toContain('key=');
      } finally {
        await backend.stop();
      }
    });
  });
});
