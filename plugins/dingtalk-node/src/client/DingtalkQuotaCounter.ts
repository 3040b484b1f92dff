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

import type { Knex } from 'knex';
import type { DingtalkCallLane } from './DingtalkRateLimiter';

const UNAUTHENTICATED_API_SUFFIX = '@unauthenticated';

/**
 * Counts an app's DingTalk calls per day and API, persisted so that every
 * replica and every restart sees the same month. DingTalk's monthly quota is
 * per natural month and resets on the 1st. Calls of the APIs DingTalk does
 * not meter are kept apart (`metered: false`): they are shown, and count in
 * the unauthenticated lane's budget, but not in the month.
 * @public
 */
export class DingtalkQuotaCounter {
  private readonly db: Knex;
  private readonly now: () => number;

  constructor(opts: { db: Knex; now?: () => number }) {
    this.db = opts.db;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Calls of the `unauthenticated` lane are kept under `<api>@unauthenticated`
   * (they count in the month like any other, and the usage page shows them
   * apart), so that their own small budget can be checked.
   */
  async record(
    clientId: string,
    api: string,
    lane: DingtalkCallLane = 'default',
    opts: { metered?: boolean } = {},
  ): Promise<void> {
    const key =
      lane === 'unauthenticated' ? `${api}${UNAUTHENTICATED_API_SUFFIX}` : api;
    const day = new Date(this.now()).toISOString().slice(0, 10);
    await this.db('dingtalk_usage')
      .insert({
        client_id: clientId,
        day,
        api: key,
        calls: 1,
        metered: opts.metered !== false,
      })
      .onConflict(['client_id', 'day', 'api'])
      .merge({ calls: this.db.raw('dingtalk_usage.calls + 1') });
  }

  /** Metered calls so far in the month of `at` (default: now). */
  async monthCalls(clientId: string, at: number = this.now()): Promise<number> {
    const month = new Date(at).toISOString().slice(0, 7);
    const [row] = await this.db('dingtalk_usage')
      .where('client_id', clientId)
      .andWhere('day', 'like', `${month}-%`)
      .andWhere('metered', true)
      .sum({ calls: 'calls' });
    return Number((row as any)?.calls ?? 0);
  }

  /** Calls of the `unauthenticated` lane today and this month (UTC). */
  async unauthenticatedCalls(
    clientId: string,
    at: number = this.now(),
  ): Promise<{ day: number; month: number }> {
    const day = new Date(at).toISOString().slice(0, 10);
    const rows = await this.db('dingtalk_usage')
      .where('client_id', clientId)
      .andWhere('day', 'like', `${day.slice(0, 7)}-%`)
      .andWhere('api', 'like', `%${UNAUTHENTICATED_API_SUFFIX}`)
      .select('day', 'calls');
    let month = 0;
    let today = 0;
    for (const row of rows) {
      month += Number(row.calls);
      if (row.day === day) today += Number(row.calls);
    }
    return { day: today, month };
  }

  /** The month's metered calls by API and day, and the exempt calls by API. */
  async usage(clientId: string, at: number = this.now()) {
    const month = new Date(at).toISOString().slice(0, 7);
    const rows = await this.db('dingtalk_usage')
      .where('client_id', clientId)
      .andWhere('day', 'like', `${month}-%`)
      .select('day', 'api', 'calls', 'metered');
    const byApi: Record<string, number> = {};
    const byDay: Record<string, number> = {};
    const exemptByApi: Record<string, number> = {};
    let calls = 0;
    for (const row of rows) {
      const n = Number(row.calls);
      if (!row.metered) {
        exemptByApi[row.api] = (exemptByApi[row.api] ?? 0) + n;
        continue;
      }
      calls += n;
      byApi[row.api] = (byApi[row.api] ?? 0) + n;
      byDay[row.day] = (byDay[row.day] ?? 0) + n;
    }
    const daily = Object.entries(byDay)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, n]) => ({ date, calls: n }));
    return { month, calls, byApi, daily, exemptByApi };
  }
}
