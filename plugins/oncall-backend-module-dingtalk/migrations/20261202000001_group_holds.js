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
 * Groups DingTalk throttled the robot in (130101, about 20 posts a minute
 * into one group): their digests wait until the hold is over, for every
 * replica, rather than being refused again at once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('oncall_dingtalk_target_holds', table => {
    table
      .string('target', 255)
      .primary()
      .comment('the destination key, as in oncall_dingtalk_digest_items');
    table.string('integration_id', 64).notNullable();
    table
      .bigInteger('held_until')
      .notNullable()
      .comment('no digest goes to the target before this (epoch ms)');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('oncall_dingtalk_target_holds');
};
