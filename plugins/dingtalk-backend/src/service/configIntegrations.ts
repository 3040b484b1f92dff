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
import {
  formatValidationError,
  integrationCreateSchema,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { StoredIntegration } from '../database/IntegrationsStore';

/**
 * The integrations declared in app-config (`dingtalk.integrations`), checked
 * like those created through the API; read-only.
 */
export function readConfigIntegrations(
  config: RootConfigService,
): StoredIntegration[] {
  const started = new Date(0).toISOString();
  return (config.getOptionalConfigArray('dingtalk.integrations') ?? []).map(
    c => {
      const raw = {
        id: c.getString('id'),
        name: c.getOptionalString('name') ?? c.getString('id'),
        corpId: c.getString('corpId'),
        agentId: String(c.getOptional('agentId') ?? ''),
        clientId: c.getString('clientId'),
        clientSecret: c.getString('clientSecret'),
        aesKey: c.getString('aesKey'),
        token: c.getString('token'),
        edition: c.getOptionalString('edition') ?? 'standard',
        transport: c.getOptionalString('transport') ?? 'http',
        warRoom: {
          ...(c.getOptionalString('warRoom.templateId')
            ? { templateId: c.getString('warRoom.templateId') }
            : {}),
          ...(c.getOptionalString('warRoom.botId')
            ? { botId: c.getString('warRoom.botId') }
            : {}),
        },
        ...(c.has('limits')
          ? {
              limits: {
                qps: c.getOptionalNumber('limits.qps'),
                monthlyQuota: c.getOptionalNumber('limits.monthlyQuota'),
              },
            }
          : {}),
      };
      const parsed = integrationCreateSchema.safeParse(raw);
      if (!parsed.success) {
        throw new Error(
          `Invalid dingtalk.integrations entry '${
            raw.id
          }': ${formatValidationError(parsed.error)}`,
        );
      }
      return {
        ...parsed.data,
        id: raw.id,
        source: 'config' as const,
        createdAt: started,
        updatedAt: started,
      };
    },
  );
}
