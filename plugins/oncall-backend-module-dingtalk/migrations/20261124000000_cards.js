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
 * The DingTalk cards sent for each incident, per target, so that a later
 * escalation step or state change updates the card instead of sending
 * another one.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('oncall_dingtalk_cards', table => {
    table.string('incident_id', 64).notNullable();
    table
      .string('target', 255)
      .notNullable()
      .comment('openConversationId, or user entity ref for direct messages');
    table.string('out_track_id', 128).notNullable();
    table.string('integration_id', 64);
    table.string('created_at', 32).notNullable();
    table.primary(['incident_id', 'target']);
    table.index(['out_track_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('oncall_dingtalk_cards');
};
