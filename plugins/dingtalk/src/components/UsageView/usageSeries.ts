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
import type { DingtalkUsage } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** One day of the month on the usage chart. */
export type UsageDay = {
  day: number;
  /** Calls that day; undefined for days still to come. */
  calls?: number;
  /** Calls this month up to and including that day. */
  total?: number;
  /** Where the month total heads at the current rate, from the last day. */
  forecast?: number;
};

/**
 * Every day of the usage's month: daily calls and the running total up to
 * the last day with data, then the straight line from that total to the
 * forecast at the month's end. DingTalk's quota is per calendar month, so
 * the running total against the quota line is what tells whether it lasts.
 */
export function usageSeries(usage: DingtalkUsage): UsageDay[] {
  const [year, month] = usage.month.split('-').map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const byDay = new Map<number, number>();
  for (const d of usage.daily) {
    if (!d.date.startsWith(usage.month)) continue;
    const day = Number(d.date.slice(8, 10));
    byDay.set(day, (byDay.get(day) ?? 0) + d.calls);
  }
  const lastDay = Math.max(0, ...byDay.keys());
  const series: UsageDay[] = [];
  let total = 0;
  for (let day = 1; day <= daysInMonth; day++) {
    const entry: UsageDay = { day };
    if (day <= lastDay) {
      const calls = byDay.get(day) ?? 0;
      total += calls;
      entry.calls = calls;
      entry.total = total;
    }
    series.push(entry);
  }
  // The forecast starts where the data ends, so the two lines join.
  const remaining = daysInMonth - lastDay;
  const forecast = Math.max(usage.forecast, total);
  for (let day = Math.max(1, lastDay); day <= daysInMonth; day++) {
    const share = remaining === 0 ? 1 : (day - lastDay) / remaining;
    series[day - 1].forecast = Math.round(total + (forecast - total) * share);
  }
  return series;
}

/** Calls by API, largest first, with the unmetered ones beside them. */
export function apiSeries(
  usage: DingtalkUsage,
): Array<{ api: string; metered: number; exempt: number }> {
  const apis = new Set([
    ...Object.keys(usage.byApi),
    ...Object.keys(usage.exemptByApi ?? {}),
  ]);
  return [...apis]
    .map(api => ({
      api,
      metered: usage.byApi[api] ?? 0,
      exempt: usage.exemptByApi?.[api] ?? 0,
    }))
    .sort((a, b) => b.metered + b.exempt - (a.metered + a.exempt));
}
