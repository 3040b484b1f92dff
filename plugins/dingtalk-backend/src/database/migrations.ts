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

/**
 * The plugin's own migrations table, like the modules' and dingtalk-node's:
 * where several plugins share one database (a test backend, or a deployment
 * that points them at one), the default `knex_migrations` would list another
 * plugin's files and knex would refuse to start ("migration directory is
 * corrupt").
 */
export const DINGTALK_MIGRATIONS_TABLE = 'dingtalk__knex_migrations';

export async function migrateDingtalkBackend(db: Knex): Promise<void> {
  await db.migrate.latest({
    directory: resolvePackagePath(
      '@dingtalk-oncall/backstage-plugin-dingtalk-backend',
      'migrations',
    ),
    tableName: DINGTALK_MIGRATIONS_TABLE,
  });
}
