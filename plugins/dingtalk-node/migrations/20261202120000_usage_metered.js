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
 * DingTalk does not meter every API against the monthly quota (its list of
 * basic interfaces exempt from the API call volume, e.g. user info by login
 * code and user by mobile). Their calls are still counted, for the usage page
 * and for the unauthenticated lane's own budget, but apart: `metered` false.
 * Rows written before this migration are left as they were counted.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dingtalk_usage', table => {
    table
      .boolean('metered')
      .notNullable()
      .defaultTo(true)
      .comment(
        'false: an API DingTalk does not count against the monthly quota',
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dingtalk_usage', table => {
    table.dropColumn('metered');
  });
};
