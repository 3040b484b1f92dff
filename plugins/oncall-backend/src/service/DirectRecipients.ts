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
import type { NotificationPreferences } from '@dingtalk-oncall/backstage-plugin-oncall-common';

/** Where the engine reads people's preferences (the preferences store). */
export interface NotificationPreferencesSource {
  getMany(userRefs: string[]): Promise<Map<string, NotificationPreferences>>;
}

/** Who each channel messages directly in one step, and who no channel does. */
export interface DirectRecipients {
  byChannel: Map<string, string[]>;
  skipped: Array<{ user: string; reason: string }>;
}

/**
 * Assigns each person of a step to exactly one channel for their direct
 * message: the first installed channel (in registration order) they have not
 * switched off. So a person is never messaged twice for one step, however
 * many channels are installed; with one channel and no choices made, that
 * channel messages everyone, as before preferences existed. A person who
 * paused direct messages, or switched off every channel, gets none (group
 * targets of the step still get theirs).
 */
export async function assignDirectRecipients(
  source: NotificationPreferencesSource | undefined,
  users: string[],
  channelIds: string[],
  now: number,
): Promise<DirectRecipients> {
  const byChannel = new Map<string, string[]>(channelIds.map(id => [id, []]));
  const skipped: DirectRecipients['skipped'] = [];
  if (channelIds.length === 0 || users.length === 0) {
    return { byChannel, skipped };
  }
  const prefs = source ? await source.getMany(users) : new Map();
  for (const user of users) {
    const p: NotificationPreferences | undefined = prefs.get(user);
    const pausedUntil = p?.pausedUntil ? Date.parse(p.pausedUntil) : 0;
    if (pausedUntil > now) {
      skipped.push({
        user,
        reason: `paused direct messages until ${p!.pausedUntil}`,
      });
      continue;
    }
    const channel = channelIds.find(id => p?.channels[id]?.direct !== false);
    if (!channel) {
      skipped.push({
        user,
        reason: 'switched off direct messages on every installed channel',
      });
      continue;
    }
    byChannel.get(channel)!.push(user);
  }
  return { byChannel, skipped };
}
