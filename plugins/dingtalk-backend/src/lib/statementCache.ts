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

import type { Knex } from 'knex';

const PATCHED = Symbol.for('dingtalk.statementCache');

/**
 * Keeps better-sqlite3's compiled statements, per connection and SQL text.
 *
 * knex asks better-sqlite3 to compile (`prepare`) every statement it runs,
 * every time. On the event callback, SQLite's compile was a quarter of the
 * database time (bench/callback.ts); the statements themselves repeat (a
 * handful of SQL texts with different bindings). SQLite re-compiles a cached
 * statement by itself when the schema changes. knex runs statements to the
 * end (`all`/`run`), so one is never busy when it is used again. This plugin
 * sets no per-query `safeIntegers`, the one statement setting knex changes.
 *
 * Other databases are left alone: PostgreSQL plans are the server's business.
 */
export function cacheSqliteStatements(db: Knex, maxPerConnection = 256): void {
  if (db.client.config?.client !== 'better-sqlite3') return;
  const pool = (
    db.client as {
      pool?: { on(event: string, fn: (...args: any[]) => void): void };
    }
  ).pool;
  pool?.on('acquireSuccess', (_eventId: number, connection: any) => {
    if (
      !connection ||
      connection[PATCHED] ||
      typeof connection.prepare !== 'function'
    )
      return;
    const prepare = connection.prepare.bind(connection);
    const cache = new Map<string, unknown>();
    connection.prepare = (sql: string) => {
      let statement = cache.get(sql);
      if (statement) {
        // most recently used last, so the oldest goes first when full
        cache.delete(sql);
      } else {
        statement = prepare(sql);
        if (cache.size >= maxPerConnection)
          cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    };
    connection[PATCHED] = true;
  });
}
