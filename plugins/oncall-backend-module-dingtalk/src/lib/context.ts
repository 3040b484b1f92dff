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
import type { DingtalkIntegration } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { OncallIncidentActions } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { Knex } from 'knex';

export interface AggregationOptions {
  /**
   * More cards than this to one integration within a minute is a storm: a
   * destination that already had a card this minute gets digests.
   */
  maxCardsPerMinute: number;
  /**
   * More cards than this to one group or person within a minute, and it gets
   * digests (DingTalk throttles a robot at about 20 messages a minute in a
   * group). Defaults to `maxCardsPerMinute`.
   */
  maxCardsPerTargetPerMinute?: number;
  /** Below this share of the monthly quota left, every target gets digests. */
  minQuotaShare: number;
  /** How long incidents are collected into one digest card. */
  digestSeconds: number;
  /**
   * How long a group DingTalk throttled the robot in (130101) gets no digest
   * before the next try. DingTalk does not say how long it refuses; it is
   * minutes. Default 60 s; a try while still throttled waits as long again.
   */
  groupThrottleMs?: number;
}

/** What the channel's parts (cards, digests, war rooms) are built from. */
export interface ChannelDeps {
  notifier: DingtalkNotifierService;
  db: Knex;
  logger: LoggerService;
  appBaseUrl: string;
  /** Hosts besides the app that links in alert text may point to. */
  allowedLinkHosts?: string[];
  template?: string;
  defaultIntegrationId?: string;
  aggregation: AggregationOptions;
  now?: () => number;
}

/**
 * The channel's parts share its deps and the incident actions the host binds
 * after construction (hence a getter, not a value).
 */
export interface ChannelContext extends ChannelDeps {
  incidents(): OncallIncidentActions | undefined;
}

/** The configured integration, or the only one there is. */
export async function defaultIntegration(
  ctx: ChannelDeps,
): Promise<DingtalkIntegration | undefined> {
  const all = await ctx.notifier.listIntegrations();
  return (
    all.find(i => i.id === ctx.defaultIntegrationId) ??
    (all.length === 1 ? all[0] : undefined)
  );
}
