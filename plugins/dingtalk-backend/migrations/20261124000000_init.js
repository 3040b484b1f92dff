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

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('dingtalk_integrations', table => {
    table.string('id', 64).primary();
    table.string('name', 100).notNullable();
    table.string('corp_id', 64).notNullable();
    table.string('agent_id', 32).notNullable();
    table.string('client_id', 64).notNullable().unique();
    table
      .text('secrets')
      .notNullable()
      .comment('AES-256-GCM sealed JSON: clientSecret, aesKey, token');
    table.string('edition', 16).notNullable();
    table.string('transport', 16).notNullable();
    table.string('war_room_template_id', 128);
    table.string('war_room_bot_id', 128);
    table.string('created_by', 255);
    table.string('created_at', 32).notNullable();
    table.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('dingtalk_groups', table => {
    table.string('integration_id', 64).notNullable();
    table.string('open_conversation_id', 128).notNullable();
    table.string('chat_id', 128);
    table.string('title', 255).notNullable();
    table
      .string('title_lower', 255)
      .notNullable()
      .comment('for case-insensitive search on every database');
    table.boolean('installed').notNullable();
    table.string('installed_at', 32);
    table.string('uninstalled_at', 32);
    table.string('updated_at', 32).notNullable();
    table.primary(['integration_id', 'open_conversation_id']);
    table.index(['integration_id', 'installed', 'title_lower']);
  });
  await knex.schema.createTable('dingtalk_events', table => {
    table.string('integration_id', 64).notNullable();
    table
      .string('event_key', 64)
      .notNullable()
      .comment('sha256 of the decrypted event');
    table.string('event_type', 64).notNullable();
    table.string('status', 16).notNullable();
    table.text('payload').notNullable();
    table.string('received_at', 32).notNullable();
    table.primary(['integration_id', 'event_key']);
  });
  await knex.schema.createTable('dingtalk_records', table => {
    table.string('id', 36).primary();
    table.string('integration_id', 64).notNullable();
    table.string('reference', 255);
    table.string('recipient_type', 8).notNullable();
    table.string('recipient', 255).notNullable();
    table.string('dingtalk_user_id', 128);
    table.string('outcome', 32).notNullable();
    table.string('api', 128);
    table.text('error');
    table.string('created_at', 32).notNullable();
    table.index(['integration_id', 'created_at']);
    table.index(['reference']);
    table.index(['recipient']);
  });
  await knex.schema.createTable('dingtalk_links', table => {
    table.string('integration_id', 64).notNullable();
    table.string('user_entity_ref', 255).notNullable();
    table.string('dingtalk_user_id', 128).notNullable();
    table.string('union_id', 128);
    table.string('name', 255);
    table.string('linked_at', 32).notNullable();
    table.primary(['integration_id', 'user_entity_ref']);
    table.unique(['integration_id', 'dingtalk_user_id']);
  });
  await knex.schema.createTable('dingtalk_cards', table => {
    table.string('out_track_id', 128).primary();
    table.string('integration_id', 64).notNullable();
    table.string('reference', 255);
    table.string('callback_plugin', 64);
    table.string('callback_path', 255);
    table.string('created_at', 32).notNullable();
  });
  await knex.schema.createTable('dingtalk_quota_alerts', table => {
    table.string('integration_id', 64).notNullable();
    table.string('month', 7).notNullable();
    table.primary(['integration_id', 'month']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const name of [
    'dingtalk_quota_alerts',
    'dingtalk_cards',
    'dingtalk_links',
    'dingtalk_records',
    'dingtalk_events',
    'dingtalk_groups',
    'dingtalk_integrations',
  ]) {
    await knex.schema.dropTable(name);
  }
};
