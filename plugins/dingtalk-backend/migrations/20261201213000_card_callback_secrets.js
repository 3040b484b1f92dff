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
 * One row per integration (stored or declared in app-config): the secret
 * registered with DingTalk as the `apiSecret` of its card callback, with
 * which DingTalk signs every HTTP card callback. See
 * src/service/CardCallbackSecrets.ts.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('dingtalk_card_secrets', table => {
    table.string('integration_id', 64).primary();
    table
      .text('secrets')
      .notNullable()
      .comment(
        'AES-256-GCM sealed JSON: current secret, the one being registered, credentials fingerprint',
      );
    table.string('rotated_at', 32).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('dingtalk_card_secrets');
};
