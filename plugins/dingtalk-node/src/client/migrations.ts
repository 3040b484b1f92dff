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

import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

/** Where dingtalk-node keeps its migrations. @public */
export const DINGTALK_NODE_MIGRATIONS_TABLE = 'dingtalk_node__knex_migrations';

/**
 * Creates the tables of the shared limiter, quota counter and token lease in
 * the caller's database (the dingtalk backend plugin's), with their own
 * migrations table so they never clash with the caller's migrations.
 * @public
 */
export async function migrateDingtalkNode(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@dingtalk-oncall/backstage-plugin-dingtalk-node',
      'migrations',
    ),
    tableName: DINGTALK_NODE_MIGRATIONS_TABLE,
  });
}
