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

import knexFactory from 'knex';
import { cacheSqliteStatements } from './statementCache';

describe('cacheSqliteStatements', () => {
  it('compiles a repeated statement once, and answers right through schema changes and evictions', async () => {
    const db = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    // better-sqlite3's own compile, counted on its Database class
    const connection = await (db.client as any).acquireConnection();
    const compile = jest.spyOn(Object.getPrototypeOf(connection), 'prepare');
    await (db.client as any).releaseConnection(connection);
    cacheSqliteStatements(db, 4);
    try {
      await db.raw('create table t (id integer primary key, name text)');
      compile.mockClear();
      for (let i = 0; i < 50; i++)
        await db.raw('insert into t (id, name) values (?, ?)', [i, `n${i}`]);
      expect(compile).toHaveBeenCalledTimes(1);
      expect(await db('t').count({ n: '*' })).toEqual([{ n: 50 }]);

      // SQLite re-compiles a kept statement itself after the table changes
      const byId = () => db.raw('select * from t where id = ?', [7]);
      expect(await byId()).toEqual([{ id: 7, name: 'n7' }]);
      await db.raw('alter table t add column extra text');
      expect(await byId()).toEqual([{ id: 7, name: 'n7', extra: null }]);

      // more texts than it keeps: the oldest are dropped, answers stay right
      for (let i = 0; i < 10; i++)
        expect(await db.raw(`select ${i} as v`)).toEqual([{ v: i }]);
      expect(await byId()).toEqual([{ id: 7, name: 'n7', extra: null }]);
    } finally {
      compile.mockRestore();
      await db.destroy();
    }
  });

  it('leaves other databases alone', () => {
    const db = knexFactory({
      client: 'pg',
      connection: 'postgres://nobody@127.0.0.1:1/none',
    });
    const on = jest.spyOn((db.client as any).pool ?? { on() {} }, 'on');
    cacheSqliteStatements(db);
    expect(on).not.toHaveBeenCalled();
    return db.destroy();
  });
});
