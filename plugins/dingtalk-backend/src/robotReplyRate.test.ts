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
import {
  INTEGRATION_BODY,
  startDingtalkBackend,
  dingtalkConfig,
} from './__testUtils__/backend';
import { person, emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(120_000);

describe('robot replies per conversation, across replicas', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      options: { port: 0 },
      people: [person('carol', '13800000003'), person('dave', '13800000004')],
    },
    e => (emu = e),
  );

  // Two replicas need a shared database: on PostgreSQL the second backend
  // has a connection pool of its own to the same database; in-memory SQLite
  // cannot be shared, so there one backend answers every reply.
  it.each(databases.eachSupportedId())(
    'backends on one %p database keep to one per-minute rate per conversation together',
    async databaseId => {
      const knexA = await databases.init(databaseId);
      const shared = databaseId.startsWith('POSTGRES');
      const knexB = shared ? require('knex')(knexA.client.config) : undefined;
      const config = dingtalkConfig(emu, { robot: { repliesPerMinute: 3 } });
      const a = await startDingtalkBackend({ knex: knexA, emu, config });
      const b = knexB
        ? await startDingtalkBackend({ knex: knexB, emu, config })
        : a;
      try {
        await request(a.server)
          .post('/api/dingtalk/integrations')
          .send(INTEGRATION_BODY)
          .expect(201);
        const reply = async (
          replica: typeof a,
          dingtalkUserId: string,
          i: number,
        ) =>
          (
            await request(replica.server)
              .post('/api/dingtalk/notify/robot-reply')
              .send({
                integrationId: 'acme',
                robot: 'app',
                conversation: { type: 'direct', dingtalkUserId },
                message: { type: 'text', content: `reply ${i}` },
              })
              .expect(200)
          ).body.record.outcome;
        const outcomes = [
          await reply(a, 'carol', 1),
          await reply(a, 'carol', 2),
          await reply(b, 'carol', 3),
          await reply(b, 'carol', 4),
          await reply(a, 'carol', 5),
        ];
        expect(outcomes).toEqual([
          'sent',
          'sent',
          'sent',
          'flow controlled',
          'flow controlled',
        ]);
        expect(emu.control.messages({ userId: 'carol' })).toHaveLength(3);
        // another conversation has a rate of its own
        expect(await reply(b, 'dave', 1)).toBe('sent');
        // the refused replies are operation records too
        const records = await request(a.server)
          .get('/api/dingtalk/records?outcome=flow%20controlled')
          .expect(200);
        expect(records.body.items).toEqual([
          expect.objectContaining({ recipient: 'carol' }),
          expect.objectContaining({ recipient: 'carol' }),
        ]);
      } finally {
        await a.stop();
        if (b !== a) await b.stop();
        await knexB?.destroy();
      }
    },
  );
});
