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
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

export const MIGRATIONS_DIR = resolvePackagePath(
  '@dingtalk-oncall/backstage-plugin-oncall-backend',
  'migrations',
);

/**
 * The plugin's own migrations table: where plugins share one database, the
 * default `knex_migrations` would list another plugin's files and knex would
 * refuse to start ("migration directory is corrupt").
 */
export const MIGRATIONS_TABLE = 'oncall__knex_migrations';

/** Runs migrations (unless skipped) and returns the plugin's knex client. */
export async function connectDatabase(
  database: DatabaseService,
): Promise<Knex> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await client.migrate.latest({
      directory: MIGRATIONS_DIR,
      tableName: MIGRATIONS_TABLE,
    });
  }
  return client;
}

export type Db = Knex | Knex.Transaction;

// pg returns bigint columns as strings.
export function toNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'number' ? v : Number(v);
}

export function toIso(v: unknown): string | undefined {
  const n = toNumber(v);
  return n === undefined ? undefined : new Date(n).toISOString();
}

export function parseJson<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string' || !v) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed|duplicate key/i.test(err?.message ?? '')
  );
}
