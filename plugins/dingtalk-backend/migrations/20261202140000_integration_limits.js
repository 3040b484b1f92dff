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
 * An admin's corrections of the edition's limits per integration (DingTalk
 * revises its tables; extra call volume can be bought). Null: the edition's.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dingtalk_integrations', table => {
    table
      .integer('qps_limit')
      .nullable()
      .comment("calls per second per API; null: the edition's");
    table
      .bigInteger('monthly_quota')
      .nullable()
      .comment("metered calls per natural month; null: the edition's");
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dingtalk_integrations', table => {
    table.dropColumn('monthly_quota');
    table.dropColumn('qps_limit');
  });
};
