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

import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import {
  effectiveDingtalkLimits,
  type DingtalkUsage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkQuotaCounter } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { CardsStore } from '../database/CardsStore';
import type { StoredIntegration } from '../database/IntegrationsStore';

/** Share of the monthly quota at which admins are warned. */
export const QUOTA_WARNING_SHARE = 0.8;

/**
 * Calls this month against the integration's quota (the edition's, or the
 * admin's override), with a month-end forecast.
 */
export class UsageService {
  constructor(
    private readonly deps: {
      quota: DingtalkQuotaCounter;
      cards: CardsStore;
      logger: LoggerService;
      notifications?: NotificationService;
      now?: () => number;
    },
  ) {}

  async usage(i: StoredIntegration): Promise<DingtalkUsage> {
    const now = this.deps.now?.() ?? Date.now();
    const { month, calls, byApi, daily, exemptByApi } =
      await this.deps.quota.usage(i.clientId, now);
    const limits = effectiveDingtalkLimits(i.edition, i.limits);
    const d = new Date(now);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    // Linear forecast from the rate so far; at least what was used already.
    const elapsed = Math.max((now - start) / (end - start), 1 / 24 / 31);
    return {
      integrationId: i.id,
      month,
      calls,
      quota: limits.monthlyQuota,
      qpsLimit: limits.qps,
      forecast: Math.max(calls, Math.round(calls / elapsed)),
      percentUsed: Math.round((calls / limits.monthlyQuota) * 1000) / 10,
      byApi,
      daily,
      exemptByApi,
      limitsSource:
        i.limits?.qps !== undefined || i.limits?.monthlyQuota !== undefined
          ? 'override'
          : 'edition',
    };
  }

  /** Warns once a month when an integration has used 80% of its quota. */
  async checkQuota(i: StoredIntegration): Promise<void> {
    const usage = await this.usage(i);
    if (usage.calls < usage.quota * QUOTA_WARNING_SHARE) return;
    if (!(await this.deps.cards.claimQuotaAlert(i.id, usage.month))) return;
    this.deps.logger.warn(
      `DingTalk integration ${i.id} has used ${usage.percentUsed}% of its monthly API quota`,
    );
    await this.deps.notifications
      ?.send({
        recipients: { type: 'broadcast' },
        payload: {
          title: `DingTalk integration "${i.name}" has used ${usage.percentUsed}% of its monthly API quota`,
          description:
            `${usage.calls} of ${usage.quota} calls this month (forecast ${usage.forecast}). Past the quota DingTalk stops ` +
            'delivering messages until the 1st; upgrade the edition or reduce notifications.',
          severity: 'high',
          topic: 'dingtalk-quota',
          link: `/dingtalk?integration=${encodeURIComponent(i.id)}`,
        },
      })
      .catch(e =>
        this.deps.logger.warn(`Could not send the quota notification: ${e}`),
      );
  }
}
