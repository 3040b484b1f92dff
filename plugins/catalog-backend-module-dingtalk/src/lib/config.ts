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

import type { RootConfigService } from '@backstage/backend-plugin-api';
import { readSchedulerServiceTaskScheduleDefinitionFromConfig } from '@backstage/backend-plugin-api';

/** One `catalog.providers.dingtalk.<id>` entry. */
export interface DingtalkOrgProviderConfig {
  id: string;
  integrationId: string;
  rootDepartmentId: number;
  userNamespace: string;
  groupNamespace: string;
  includeMobile: boolean;
  includeInactive: boolean;
  /** Apply a full sync that removes more than half of what the last one emitted. */
  allowMassRemoval: boolean;
}

export function readProviderConfigs(
  config: RootConfigService,
): Array<DingtalkOrgProviderConfig & { schedule: any }> {
  const root = config.getOptionalConfig('catalog.providers.dingtalk');
  if (!root) return [];
  return root.keys().map(id => {
    const c = root.getConfig(id);
    return {
      id,
      integrationId: c.getOptionalString('integrationId') ?? id,
      rootDepartmentId: c.getOptionalNumber('rootDepartmentId') ?? 1,
      userNamespace: c.getOptionalString('userNamespace') ?? 'default',
      groupNamespace: c.getOptionalString('groupNamespace') ?? 'default',
      // Mobile numbers are personal data: only when asked for.
      includeMobile: c.getOptionalBoolean('includeMobile') ?? false,
      includeInactive: c.getOptionalBoolean('includeInactive') ?? true,
      allowMassRemoval: c.getOptionalBoolean('allowMassRemoval') ?? false,
      schedule: c.has('schedule')
        ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
            c.getConfig('schedule'),
          )
        : { frequency: { hours: 24 }, timeout: { minutes: 30 } },
    };
  });
}
