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
 * One row per Stream-mode integration: which replica holds its gateway
 * connection, and until when. See src/database/StreamLeaseStore.ts.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dingtalk_stream_leases', table => {
    table.string('integration_id', 64).primary();
    table
      .string('holder', 64)
      .notNullable()
      .comment('the replica holding the connection');
    table
      .bigInteger('expires_at')
      .notNullable()
      .comment('ms since epoch; free after this');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dingtalk_stream_leases');
};
