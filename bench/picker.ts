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

// Group-chat search behind the picker: p95 per query over 10,000 and 100,000
// groups, on SQLite and (when it answers) PostgreSQL. Target: p95 < 20 ms at
// 10,000, and at 100,000 on PostgreSQL (issue 17; there a trigram
// index serves the substring search, and the count stops at 1,000). The
// baseline measured in the same run is a primary-key lookup on the same
// table, so the figure says what searching costs over a plain read.
import { loadavg } from 'node:os';
import knexFactory, { Knex } from 'knex';
import { GroupsStore } from '../plugins/dingtalk-backend/src/database/GroupsStore';
import { migrateDingtalkBackend } from '../plugins/dingtalk-backend/src/database/migrations';

const WORDS = [
  'sre',
  'payments',
  'checkout',
  'search',
  'mobile',
  'data',
  'infra',
  'growth',
  'risk',
  'ops',
];

async function database(
  kind: 'sqlite' | 'pg',
): Promise<{ db: Knex; cleanup: () => Promise<void> } | undefined> {
  if (kind === 'sqlite') {
    const db = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    return { db, cleanup: () => db.destroy() };
  }
  const url =
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
    'postgresql://postgres@127.0.0.1:5432';
  const admin = knexFactory({ client: 'pg', connection: `${url}/postgres` });
  try {
    await admin.raw('select 1');
  } catch {
    await admin.destroy();
    return undefined;
  }
  const name = `bench_picker_${Date.now()}`;
  await admin.raw(`create database ${name}`);
  const db = knexFactory({ client: 'pg', connection: `${url}/${name}` });
  return {
    db,
    cleanup: async () => {
      await db.destroy();
      await admin.raw(`drop database ${name}`);
      await admin.destroy();
    },
  };
}

function p95(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)];
}

async function time(fn: () => Promise<unknown>, runs: number) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return p95(samples);
}

async function main() {
  let failed = false;
  for (const kind of ['sqlite', 'pg'] as const) {
    const handle = await database(kind);
    if (!handle) {
      console.log(`picker ${kind}: skipped (no PostgreSQL on 127.0.0.1:5432)`);
      continue;
    }
    const { db, cleanup } = handle;
    try {
      await migrateDingtalkBackend(db);
      if (kind === 'pg') {
        const trgm = await db.raw(
          "select 1 from pg_indexes where indexname = 'dingtalk_groups_title_trgm'",
        );
        console.log(
          `picker pg: trigram index ${
            trgm.rows.length ? 'present' : 'absent (no pg_trgm)'
          }`,
        );
      }
      const store = new GroupsStore(db);
      let count = 0;
      for (const size of [10_000, 100_000]) {
        const rows = [];
        for (; count < size; count++) {
          const title = `${WORDS[count % WORDS.length]} team ${count} ${
            WORDS[(count * 7) % WORDS.length]
          }`;
          rows.push({
            integration_id: 'bench',
            open_conversation_id: `cid-${count}`,
            title,
            title_lower: title,
            installed: true,
            updated_at: '2026-11-24T00:00:00Z',
          });
        }
        for (let i = 0; i < rows.length; i += 500)
          await db('dingtalk_groups').insert(rows.slice(i, i + 500));
        // as autovacuum would after a bulk load: the planner's statistics
        if (kind === 'pg') await db.raw('analyze dingtalk_groups');
        const queries = [
          'payments',
          'team 42',
          'sre team 1',
          'zzz-nothing',
          'risk',
        ];
        let q = 0;
        const search = await time(
          () =>
            store.search('bench', {
              q: queries[q++ % queries.length],
              limit: 50,
              offset: 0,
            }),
          100,
        );
        const baseline = await time(
          () => store.get('bench', `cid-${q++ % size}`),
          100,
        );
        // Issue 17's target: 20 ms at 100,000 groups on PostgreSQL (and at
        // 10,000 on both). SQLite has no substring index; its figure at
        // 100,000 is printed for reference.
        const target = kind === 'pg' || size === 10_000 ? 20 : undefined;
        const pass = target === undefined || search < target;
        if (!pass) failed = true;
        console.log(
          `picker ${kind} ${size.toLocaleString()} groups: search p95 ${search.toFixed(
            2,
          )} ms (baseline primary-key read p95 ${baseline.toFixed(
            2,
          )} ms, ratio ${(search / baseline).toFixed(1)}x)` +
            (target
              ? ` target < ${target} ms: ${pass ? 'PASS' : 'FAIL'}`
              : ' (no target)'),
        );
      }
    } finally {
      await cleanup();
    }
  }
  console.log(
    `picker load average during the run: ${loadavg()
      .map(l => l.toFixed(2))
      .join(' ')}`,
  );
  process.exit(failed ? 1 : 0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
