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

// @ts-check

/**
 * The group-chat picker searches titles for a substring (`LIKE '%q%'`),
 * which no b-tree serves. On PostgreSQL a trigram index does
 * (bench/picker.ts: 100,000 groups); it needs the `pg_trgm` extension, which
 * a database user may not be allowed to create: then the search still works,
 * by scanning, and the migration says so instead of failing.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  if (knex.client.config?.client !== 'pg') return;
  // A failed statement would abort the migration's transaction: try it
  // behind a savepoint.
  const inTransaction = await knex
    .raw('savepoint dingtalk_trgm')
    .then(() => true)
    .catch(() => false);
  try {
    await knex.raw('create extension if not exists pg_trgm');
  } catch (e) {
    if (inTransaction) await knex.raw('rollback to savepoint dingtalk_trgm');
    // eslint-disable-next-line no-console
    console.warn(
      `dingtalk: no trigram index for the group search (pg_trgm: ${
        /** @type {Error} */ (e).message
      }); searching scans the groups instead`,
    );
    return;
  }
  if (inTransaction) await knex.raw('release savepoint dingtalk_trgm');
  await knex.raw(
    'create index if not exists dingtalk_groups_title_trgm on dingtalk_groups using gin (title_lower gin_trgm_ops)',
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (knex.client.config?.client !== 'pg') return;
  await knex.raw('drop index if exists dingtalk_groups_title_trgm');
};
