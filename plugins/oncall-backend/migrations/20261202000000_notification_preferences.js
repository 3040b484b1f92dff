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
 * Per-person notification preferences (which channels may message a person
 * directly, and a pause of all direct messages), and when each webhook's
 * token was last rotated.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('oncall_notification_preferences', table => {
    // A user entity ref, lower case.
    table.string('user_ref', 255).primary();
    // JSON: { [channelId]: { direct: boolean } }
    table.text('channels').notNullable();
    table.bigInteger('paused_until');
    table.bigInteger('updated_at').notNullable();
  });
  await knex.schema.alterTable('oncall_webhooks', table => {
    table.bigInteger('rotated_at');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('oncall_webhooks', table => {
    table.dropColumn('rotated_at');
  });
  await knex.schema.dropTable('oncall_notification_preferences');
};
