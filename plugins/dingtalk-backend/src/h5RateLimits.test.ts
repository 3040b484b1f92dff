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
import type { Knex } from 'knex';
import request from 'supertest';
import { APP } from './__testUtils__/backend';
import {
  getuserinfoCalls as userinfoCalls,
  h5AttackSuite,
  startH5Backend,
} from './__testUtils__/h5Attack';

jest.setTimeout(120_000);

describe('H5 sign-in and account linking under attack', () => {
  let emu: EmulatorHandle;
  const databases = h5AttackSuite(e => (emu = e));
  const start = (knex: Knex, config?: object) =>
    startH5Backend(emu, knex, config);
  const getuserinfoCalls = () => userinfoCalls(emu);

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
  });
});
