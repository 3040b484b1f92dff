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
import { Knex } from 'knex';
import { parseJson, toIso, toNumber } from './util';

/** The default for someone who never chose: every channel may message them. */
export const DEFAULT_PREFERENCES: NotificationPreferences = { channels: {} };

/** Per-person notification preferences, one row per user who saved any. */
export class PreferencesStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async get(userRef: string): Promise<NotificationPreferences> {
    const row = await this.#db('oncall_notification_preferences')
      .where({ user_ref: userRef })
      .first();
    return row ? toPreferences(row) : DEFAULT_PREFERENCES;
  }

  /** The preferences of many people in one query; absent ones get the default. */
  async getMany(
    userRefs: string[],
  ): Promise<Map<string, NotificationPreferences>> {
    const result = new Map<string, NotificationPreferences>();
    if (userRefs.length === 0) return result;
    const rows = await this.#db('oncall_notification_preferences').whereIn(
      'user_ref',
      userRefs,
    );
    for (const row of rows) result.set(row.user_ref, toPreferences(row));
    return result;
  }

  async set(
    userRef: string,
    prefs: NotificationPreferences,
    now: number,
  ): Promise<NotificationPreferences> {
    const pausedUntil = prefs.pausedUntil
      ? Date.parse(prefs.pausedUntil)
      : null;
    await this.#db('oncall_notification_preferences')
      .insert({
        user_ref: userRef,
        channels: JSON.stringify(prefs.channels),
        paused_until: pausedUntil,
        updated_at: now,
      })
      .onConflict('user_ref')
      .merge(['channels', 'paused_until', 'updated_at']);
    return this.get(userRef);
  }
}

function toPreferences(row: any): NotificationPreferences {
  const pausedUntil = toNumber(row.paused_until);
  return {
    channels: parseJson<NotificationPreferences['channels']>(row.channels, {}),
    ...(pausedUntil !== undefined ? { pausedUntil: toIso(pausedUntil) } : {}),
  };
}
