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
 * Where each account link came from: `sign-in` (a DingTalk sign-in matched
 * the person by email or mobile), `h5` (the H5 page's link flow), `mobile`
 * (link everyone by mobile) or `admin`. Links of the org sync are not stored
 * (the catalog's `dingtalk.com/user-id` is the link). Links made before this
 * column were made by the H5 page or the mobile run; they read as `h5`.
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('dingtalk_links', table => {
    table
      .string('source', 16)
      .notNullable()
      .defaultTo('h5')
      .comment('sign-in | h5 | mobile | admin');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('dingtalk_links', table => {
    table.dropColumn('source');
  });
};
