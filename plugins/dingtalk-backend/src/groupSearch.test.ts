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
import { withDingtalkBackend } from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(120_000);

describe('the group search behind the picker', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest({}, e => (emu = e));

  it.each(databases.eachSupportedId())(
    'pages every match once in title order with a keyset cursor, and counts up to 1,000 (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend({ knex, emu }, async s => {
        const rows = Array.from({ length: 1_200 }, (_, n) => ({
          integration_id: 'acme',
          open_conversation_id: `cid-${n}`,
          // duplicate titles: the id breaks the tie
          title: `Team ${String(n % 600).padStart(4, '0')}${
            n % 3 === 0 ? ' payments' : ''
          }`,
          title_lower: `team ${String(n % 600).padStart(4, '0')}${
            n % 3 === 0 ? ' payments' : ''
          }`,
          installed: true,
          updated_at: '2026-12-02T00:00:00Z',
        }));
        for (let i = 0; i < rows.length; i += 200)
          await knex('dingtalk_groups').insert(rows.slice(i, i + 200));
        const page = (query: string) =>
          request(s).get(`/api/dingtalk/integrations/acme/groups?${query}`);

        // more than 1,000 match: "at least", not a count of all of them
        const first = await page('q=team&limit=500').expect(200);
        expect(first.body.total).toBeUndefined();
        expect(first.body.totalAtLeast).toBe(1000);
        const seen: string[] = [];
        let body = first.body;
        for (;;) {
          seen.push(...body.items.map((g: any) => g.openConversationId));
          if (!body.nextCursor) break;
          body = (
            await page(
              `q=team&limit=500&cursor=${encodeURIComponent(body.nextCursor)}`,
            ).expect(200)
          ).body;
        }
        expect(seen).toHaveLength(1_200);
        expect(new Set(seen).size).toBe(1_200);
        const order = rows
          .map(r => [r.title_lower, r.open_conversation_id] as const)
          .sort(([a, x], [b, y]) => compare(a, b) || compare(x, y))
          .map(([, id]) => id);
        expect(seen).toEqual(order);

        // fewer than 1,000: the exact count
        const some = await page('q=payments&limit=10').expect(200);
        expect(some.body.total).toBe(400);
        expect(some.body.items).toHaveLength(10);
        // a page that is not full is all there is
        const few = await page('q=0001&limit=50').expect(200);
        expect(few.body.total).toBe(2);
        expect(few.body.nextCursor).toBeUndefined();
        // an offset still works as a cursor
        const offset = await page('q=payments&limit=10&cursor=10').expect(200);
        expect(offset.body.items[0].openConversationId).toBe(
          (await page('q=payments&limit=11').expect(200)).body.items[10]
            .openConversationId,
        );
        // a cursor it did not hand out is refused
        await page('q=team&cursor=not-ours').expect(400);
      });
    },
  );
});

/** Code-unit order, as the database's keyset paging sorts. */
function compare(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
