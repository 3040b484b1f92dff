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
import { EscalationTarget } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { NewTimelineEntry } from '../database/IncidentsStore';
import type { Delivery } from './Deliverer';

export function describeTargets(targets: EscalationTarget[]): string {
  return targets
    .map(t =>
      t.type === 'channel' ? `${t.channel}:${t.title ?? t.id}` : t.ref,
    )
    .join(', ');
}

/** The timeline entry of one delivery. */
export function deliveryEntry(
  d: Delivery,
  step: number,
  round: number,
  reason?: string,
): NewTimelineEntry {
  const who =
    d.user && d.user !== d.target ? `${d.target} (${d.user})` : d.target;
  return {
    type: 'notification',
    message: `${d.channel} → ${who}: ${d.outcome}${
      d.detail ? ` (${d.detail})` : ''
    }${reason ? ` [${reason}]` : ''}`,
    actor: `channel:${d.channel}`,
    data: {
      channel: d.channel,
      step,
      round,
      target: d.target,
      ...(d.user ? { user: d.user } : {}),
      outcome: d.outcome,
      ...(d.detail ? { detail: d.detail } : {}),
    },
  };
}

export async function forEachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let index = 0;
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (index < items.length) {
        const item = items[index++];
        await fn(item);
      }
    },
  );
  await Promise.all(workers);
}
