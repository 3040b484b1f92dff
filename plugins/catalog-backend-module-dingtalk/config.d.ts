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

import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /** DingTalk organisations to sync into the catalog, by provider id. */
      dingtalk?: {
        [providerId: string]: {
          /** The DingTalk integration (dingtalk.integrations or one created in the UI). Default: the provider id. */
          integrationId?: string;
          /** The department whose subtree is synced. Default 1 (the whole organisation). */
          rootDepartmentId?: number;
          /** Namespace of the User entities. Default `default`. */
          userNamespace?: string;
          /** Namespace of the Group entities. Default `default`. */
          groupNamespace?: string;
          /**
           * Put mobile numbers (where the app may read them) in `dingtalk.com/mobile`. Default false: mobile
           * numbers are personal data, and everyone who can read the catalog would see them.
           */
          includeMobile?: boolean;
          /** Also emit people who have not activated DingTalk. Default true. */
          includeInactive?: boolean;
          /**
           * Apply a full sync that would remove more than half of the entities this provider has in the
           * catalog (a contact scope narrowed by mistake, a wrong root department). Default false: such a
           * sync is refused and logged, the catalog keeps what it has.
           */
          allowMassRemoval?: boolean;
          /**
           * The full sync's schedule. Default every 24 hours (timeout 30 minutes): address-book events keep
           * the catalog current in between, and a full sync costs about 1 + 2 × departments + people / 100
           * DingTalk calls of the monthly quota.
           */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
