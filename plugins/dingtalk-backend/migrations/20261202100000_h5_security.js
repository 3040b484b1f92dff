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
 * What the H5 pages need to be safe to leave open to anyone: fixed-window
 * counters for their rate limits (per client address, per integration,
 * shared by every replica), and account-link tickets kept server side so
 * that each works once, for five minutes, for the H5 session that asked for
 * it. See src/service/H5RateLimiter.ts and src/database/LinkTicketsStore.ts.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dingtalk_h5_rate_windows', table => {
    table
      .string('bucket', 128)
      .notNullable()
      .comment('what is limited: a hashed client address or an integration');
    table
      .bigInteger('window_start')
      .notNullable()
      .comment('start of the window, ms since epoch');
    table.integer('count').notNullable();
    table.primary(['bucket', 'window_start']);
  });
  await knex.schema.createTable('dingtalk_link_tickets', table => {
    table
      .string('ticket_hash', 64)
      .primary()
      .comment('SHA-256 of the ticket; the ticket itself is never stored');
    table
      .string('session_hash', 64)
      .notNullable()
      .comment('SHA-256 of the H5 session cookie the ticket is bound to');
    table.string('integration_id', 64).notNullable();
    table.string('dingtalk_user_id', 255).notNullable();
    table.string('union_id', 255).nullable();
    table.string('name', 255).nullable();
    table.bigInteger('expires_at').notNullable().comment('ms since epoch');
    table
      .bigInteger('used_at')
      .nullable()
      .comment('ms since epoch; a ticket works once');
    table.index(['expires_at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dingtalk_link_tickets');
  await knex.schema.dropTable('dingtalk_h5_rate_windows');
};
