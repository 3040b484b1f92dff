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
 * Shared state that keeps every replica of a Backstage backend together under
 * DingTalk's limits: calls per second per app, calls per month, and who is
 * fetching an app's access token right now.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dingtalk_rate_windows', table => {
    table.string('client_id', 128).notNullable();
    table
      .bigInteger('second')
      .notNullable()
      .comment('Unix time in whole seconds');
    table.integer('count').notNullable();
    table.primary(['client_id', 'second']);
  });
  await knex.schema.createTable('dingtalk_usage', table => {
    table.string('client_id', 128).notNullable();
    table.string('day', 10).notNullable().comment('YYYY-MM-DD (UTC)');
    table.string('api', 128).notNullable();
    table.integer('calls').notNullable();
    table.primary(['client_id', 'day', 'api']);
  });
  await knex.schema.createTable('dingtalk_token_leases', table => {
    table.string('client_id', 128).primary();
    table.string('owner', 64).notNullable();
    table.bigInteger('lease_until').notNullable().comment('Unix time in ms');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dingtalk_token_leases');
  await knex.schema.dropTable('dingtalk_usage');
  await knex.schema.dropTable('dingtalk_rate_windows');
};
