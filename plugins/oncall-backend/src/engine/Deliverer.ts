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
import {
  EscalationTarget,
  Incident,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  ChannelDeliveryResult,
  ChannelTargetRef,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { ChannelRegistry } from '../service/ChannelRegistry';
import { truncate } from '../service/ChannelUpdates';
import {
  assignDirectRecipients,
  NotificationPreferencesSource,
} from '../service/DirectRecipients';
import type { Clock } from './EscalationEngine';

/** Result of one delivery, tagged with the channel that made it. */
export type Delivery = ChannelDeliveryResult & {
  channel: string;
  /**
   * The channel did not answer in time and was cancelled: it may or may not
   * have delivered. Not a failure; the step runs again (idempotently).
   */
  unknown?: boolean;
};

/** The outcome recorded for a delivery whose channel never answered. */
export const OUTCOME_UNKNOWN = 'unknown';

/**
 * Calls each channel with its part of a step: its targets, and the people it
 * should message directly (as their notification preferences allow). A
 * channel that does not answer within the timeout is cancelled through the
 * request's `signal`, all the way into its HTTP calls.
 */
export class Deliverer {
  constructor(
    private readonly deps: {
      channels: ChannelRegistry;
      preferences?: NotificationPreferencesSource;
      clock: Clock;
      notifyTimeoutMs: number;
    },
  ) {}

  /** Calls each channel with its targets and the users; never throws. */
  async deliver(
    incident: Incident,
    targets: EscalationTarget[],
    users: string[],
    step: number,
  ): Promise<Delivery[]> {
    const registry = this.deps.channels;
    const channelTargets: ChannelTargetRef[] = targets.flatMap(t =>
      t.type === 'channel'
        ? [
            {
              channel: t.channel,
              id: t.id,
              title: t.title,
              integrationId: t.integrationId,
            },
          ]
        : [],
    );
    const channels = registry.list();
    const deliveries: Delivery[] = [];
    for (const t of channelTargets) {
      if (!registry.get(t.channel)) {
        deliveries.push({
          channel: t.channel,
          target: t.id,
          outcome: 'failed',
          detail: `channel "${t.channel}" is not installed in this backend`,
        });
      }
    }
    if (users.length > 0 && channels.length === 0) {
      for (const user of users) {
        deliveries.push({
          channel: 'none',
          target: user,
          user,
          outcome: 'failed',
          detail: 'no on-call channel is installed to reach users',
        });
      }
    }
    // Each person through one channel only, the one their preferences allow.
    const direct = await assignDirectRecipients(
      this.deps.preferences,
      users,
      channels.map(c => c.id),
      this.deps.clock(),
    );
    for (const { user, reason } of direct.skipped) {
      deliveries.push({
        channel: 'preferences',
        target: user,
        user,
        outcome: 'skipped',
        detail: reason,
      });
    }
    const actions =
      incident.status === 'triggered'
        ? ['acknowledge', 'resolve', 'snooze']
        : ['resolve', 'snooze'];
    const ms = this.deps.notifyTimeoutMs;
    const perChannel = await Promise.all(
      channels.map(async channel => {
        const mine = channelTargets.filter(t => t.channel === channel.id);
        const reach = direct.byChannel.get(channel.id) ?? [];
        if (mine.length === 0 && reach.length === 0) return [];
        const all = (outcome: string, detail: string, unknown?: boolean) => [
          ...mine.map(t => ({
            channel: channel.id,
            target: t.id,
            outcome,
            detail,
            unknown,
          })),
          ...reach.map(u => ({
            channel: channel.id,
            target: u,
            user: u,
            outcome,
            detail,
            unknown,
          })),
        ];
        const controller = new AbortController();
        const timer = setTimeout(
          () =>
            controller.abort(
              new Error(
                `${channel.id} did not answer within ${Math.round(ms / 1000)}s`,
              ),
            ),
          ms,
        );
        timer.unref?.();
        try {
          const results = await Promise.race([
            channel.notify({
              incident,
              targets: mine,
              users: reach,
              step,
              actions,
              signal: controller.signal,
            }),
            aborted(controller.signal),
          ]);
          return (results ?? []).map(r => ({ ...r, channel: channel.id }));
        } catch (error) {
          if (controller.signal.aborted) {
            // Cancelled, so it may or may not have landed: never recorded
            // as failed, the step runs again under the same idempotency keys.
            const reason = controller.signal.reason as Error;
            return all(OUTCOME_UNKNOWN, truncate(reason.message), true);
          }
          return all(
            'failed',
            truncate((error as Error)?.message ?? String(error)),
          );
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return [...deliveries, ...perChannel.flat()];
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), {
      once: true,
    }),
  );
}
