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

import type { ChannelDeliveryResult } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { createHash } from 'node:crypto';

/** Where card button clicks come back to: this module's route in the oncall plugin. */
export const CARD_ACTION_PATH = '/dingtalk/card-actions';

/** One place a card goes: a group chat, or a person's work notification. */
export type Destination = {
  integrationId: string;
  group?: string;
  user?: string;
};

/** The key a destination's cards and digests are kept under. */
export function destKey(d: Destination) {
  return d.group
    ? `group:${d.integrationId}:${d.group}`
    : `user:${d.integrationId}:${d.user}`;
}

export function parseDestKey(key: string, integrationId: string): Destination {
  const [kind, , ...rest] = key.split(':');
  const id = rest.join(':');
  return kind === 'group'
    ? { integrationId, group: id }
    : { integrationId, user: id };
}

/** What the on-call host records for one destination. */
export function result(
  dest: Destination,
  outcome: string,
  detail?: string,
): ChannelDeliveryResult {
  return dest.user
    ? { target: dest.user, user: dest.user, outcome, detail }
    : { target: dest.group!, outcome, detail };
}

export function hash(s: string) {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}
