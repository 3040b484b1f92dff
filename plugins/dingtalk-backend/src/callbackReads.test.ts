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
import { Knex } from 'knex';
import request from 'supertest';
import {
  APP,
  INTEGRATION_BODY,
  startDingtalkBackend,
} from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(60_000);

/**
 * DingTalk's callbacks are reachable by anyone. A push or robot message with
 * a wrong signature makes the route read the integration again (its secret
 * may have just changed on another replica), and an unknown id is looked up;
 * neither may turn a flood of forged requests into a flood of queries.
 */
describe('forged callbacks do not become database reads one for one', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest({ options: { port: 0 } }, e => (emu = e));

  /** Counts the reads of the integrations table while `fn` runs. */
  async function integrationReads(knex: Knex, fn: () => Promise<void>) {
    let reads = 0;
    const onQuery = (q: { sql: string }) => {
      if (/^\s*select/i.test(q.sql) && q.sql.includes('dingtalk_integrations'))
        reads += 1;
    };
    knex.on('query', onQuery);
    try {
      await fn();
    } finally {
      knex.off('query', onQuery);
    }
    return reads;
  }

  const FORGED = 60;

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('caps the re-reads of forged pushes and robot messages, and still takes the real ones', async () => {
      const knex = await databases.init(databaseId);
      const backend = await startDingtalkBackend({ knex, emu });
      const server = backend.server;
      try {
        await request(server)
          .post('/api/dingtalk/integrations')
          .send(INTEGRATION_BODY)
          .expect(201);
        const ts = String(Date.now());
        const started = Date.now();
        const pushes = await integrationReads(knex, async () => {
          const answers = await Promise.all(
            Array.from({ length: FORGED }, (_, i) =>
              request(server)
                .post(
                  `/api/dingtalk/integrations/acme/events?msg_signature=${'0'.repeat(
                    40,
                  )}&timestamp=${ts}&nonce=n${i}`,
                )
                .send({ encrypt: 'AAAA' }),
            ),
          );
          expect(answers.map(a => a.status)).toEqual(
            Array(FORGED).fill(answers[0].status),
          );
          expect(answers[0].status).toBeGreaterThanOrEqual(400);
          expect(answers[0].status).toBeLessThan(500);
        });
        const robot = await integrationReads(knex, async () => {
          const answers = await Promise.all(
            Array.from({ length: FORGED }, (_, i) =>
              request(server)
                .post('/api/dingtalk/integrations/acme/robot-messages')
                .set('timestamp', String(Date.now()))
                .set('sign', 'forged')
                .send({ msgId: `forged-${i}`, msgtype: 'text' }),
            ),
          );
          expect(new Set(answers.map(a => a.status))).toEqual(new Set([401]));
        });
        const unknown = await integrationReads(knex, async () => {
          const answers = await Promise.all(
            Array.from({ length: FORGED }, () =>
              request(server)
                .post(
                  `/api/dingtalk/integrations/nope/events?msg_signature=x&timestamp=${ts}&nonce=n`,
                )
                .send({ encrypt: 'AAAA' }),
            ),
          );
          expect(new Set(answers.map(a => a.status))).toEqual(new Set([404]));
        });
        // At most 5 re-reads a second per integration, and an unknown id is
        // remembered for a second: a handful of reads for each flood, where
        // there was one per request.
        const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
        expect(pushes).toBeLessThanOrEqual(1 + 5 * seconds);
        expect(robot).toBeLessThanOrEqual(1 + 5 * seconds);
        expect(unknown).toBeLessThanOrEqual(seconds);

        // DingTalk's own push, signed with the stored token, still gets in.
        emu.control.updateApp(APP.appKey, {
          eventUrl: `http://127.0.0.1:${server.port()}/api/dingtalk/integrations/acme/events`,
        });
        await expect(
          emu.control.sendCheckUrl({ appKey: APP.appKey }),
        ).resolves.toMatchObject({ delivered: true, attempts: 1 });
      } finally {
        await backend.stop();
      }
    });
  });
});
