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
 * Digests and the storm switch in the database, so that every replica sees
 * them and a crash loses nothing: an incident merged into a digest is a row
 * until its digest card is sent (one replica at a time flushes them), and
 * each card sent is a row for the cards-per-minute count of the cluster.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('oncall_dingtalk_digest_items', table => {
    table.bigIncrements('id').primary();
    table
      .string('target', 255)
      .notNullable()
      .comment('the destination key, as in oncall_dingtalk_cards');
    table.string('integration_id', 64).notNullable();
    table.string('incident_id', 64).notNullable();
    table
      .text('incident')
      .notNullable()
      .comment('the incident as it was when merged (JSON), for the card');
    table.bigInteger('created_at').notNullable();
    table
      .string('batch_id', 64)
      .comment('the digest card it goes out in, once a flush took it');
    table
      .bigInteger('claimed_until')
      .comment('a flush that has not finished by then is taken over');
    table.unique(['target', 'incident_id']);
    table.index(['batch_id']);
  });
  await knex.schema.createTable('oncall_dingtalk_sends', table => {
    table.bigIncrements('id').primary();
    table.string('integration_id', 64).notNullable();
    table.string('target', 255).notNullable();
    table.bigInteger('sent_at').notNullable();
    table.index(['integration_id', 'sent_at']);
    table.index(['target', 'sent_at']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('oncall_dingtalk_sends');
  await knex.schema.dropTable('oncall_dingtalk_digest_items');
};
