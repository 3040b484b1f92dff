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

// DingTalk's flow control and monthly quota (the edition's limits):
// - per app per API: at most the edition's QPS calls of one API by one app
//   in a second (90018 / Forbidden.AccessDenied.QpsLimitForAppkeyAndApi);
//   different APIs do not share a window;
// - per API over all apps (DingTalk-wide load): off unless a test sets one
//   with `setApiQps` (90002 / Forbidden.AccessDenied.QpsLimitForApi);
// - the monthly quota per app, except for the APIs DingTalk does not meter
//   (which keep working once it is used up) (90020);
// - a robot's posts into one group: about 20 a minute; past that DingTalk
//   refuses the robot there for minutes (130101).
import { ApiError, quotaError } from './errors';
import { EDITION_LIMITS, EmuApp } from './state';
import type { EmulatorContext } from './context';
import type { CallsReport } from './types';

/** APIs DingTalk does not count against the monthly quota (its list of exempt basic interfaces). */
export const QUOTA_EXEMPT_APIS = new Set([
  'user.getuserinfo',
  'user.getbymobile',
]);

export const appApiQpsError = () =>
  new ApiError(
    403,
    'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
    '当前应用调用该接口超过每秒调用次数限制，请稍后重试',
    90018,
  );

export const apiQpsError = () =>
  new ApiError(
    403,
    'Forbidden.AccessDenied.QpsLimitForApi',
    '当前所有钉钉应用调用该接口次数过多，超出了该接口承受的最大qps，请求被暂时限制了',
    90002,
  );

export const robotGroupRateError = () =>
  new ApiError(400, '130101', '发送速度太快而限流', 130101);

type Window = { second: number; count: number };

export class Limits {
  /** per `appKey|api`: the current second and calls accepted in it */
  private readonly windows = new Map<string, Window>();
  /** per API over all apps */
  private readonly apiWindows = new Map<string, Window>();
  private readonly apiQps = new Map<string, number>();
  /** per app: month and metered calls in it */
  private readonly months = new Map<string, { month: string; count: number }>();
  /** per `appKey|openConversationId`: post times in the last minute, throttled until */
  private readonly groupPosts = new Map<
    string,
    { times: number[]; throttledUntil: number }
  >();
  private groupRate = { perMinute: 20, throttleMs: 5 * 60_000 };

  constructor(private readonly ctx: EmulatorContext) {}

  /** Counts a call that reached the API (admitted, or exempt from limits). */
  countCall(appKey: string, api: string) {
    const calls = this.ctx.state.calls;
    const byApi = calls.get(appKey) ?? new Map<string, number>();
    byApi.set(api, (byApi.get(api) ?? 0) + 1);
    calls.set(appKey, byApi);
  }

  /** Admits one call of `api` by `app`, or throws DingTalk's 90002 / 90018 / 90020. */
  admit(app: EmuApp, api: string): void {
    const { state } = this.ctx;
    const t = this.ctx.now();
    const second = Math.floor(t / 1000);
    const month = new Date(t).toISOString().slice(0, 7);
    const table = EDITION_LIMITS[app.edition];
    const limits = {
      qps: app.limits?.qps ?? table.qps,
      quota: app.limits?.quota ?? table.quota,
    };
    const rejected = state.rejected.get(app.appKey) ?? { qps: 0, quota: 0 };
    state.rejected.set(app.appKey, rejected);
    const exempt = QUOTA_EXEMPT_APIS.has(api);
    const m = this.months.get(app.appKey) ?? { month, count: 0 };
    if (m.month !== month) {
      m.month = month;
      m.count = 0;
    }
    this.months.set(app.appKey, m);
    if (!exempt && m.count >= limits.quota) {
      rejected.quota += 1;
      throw quotaError();
    }
    const global = this.apiQps.get(api);
    const g = current(this.apiWindows, api, second);
    if (global !== undefined && g.count >= global) {
      rejected.qps += 1;
      throw apiQpsError();
    }
    const w = current(this.windows, `${app.appKey}|${api}`, second);
    if (w.count >= limits.qps) {
      rejected.qps += 1;
      throw appApiQpsError();
    }
    w.count += 1;
    g.count += 1;
    if (!exempt) m.count += 1;
    // the most calls of one API in one second (the limit is per API)
    state.maxPerSecond.set(
      app.appKey,
      Math.max(state.maxPerSecond.get(app.appKey) ?? 0, w.count),
    );
    this.countCall(app.appKey, api);
  }

  /** DingTalk-wide: at most `qps` calls of `api` a second over all apps (undefined: no limit). */
  setApiQps(req: { api: string; qps?: number }) {
    if (req.qps === undefined) this.apiQps.delete(req.api);
    else this.apiQps.set(req.api, req.qps);
  }

  setRobotGroupRate(req: { perMinute?: number; throttleMs?: number }) {
    this.groupRate = { ...this.groupRate, ...req };
  }

  /**
   * Whether the app's robot may post into the group now; false (and the
   * group throttled for `throttleMs`) past `perMinute` posts in a minute.
   */
  groupPostAllowed(appKey: string, openConversationId: string): boolean {
    const t = this.ctx.now();
    const key = `${appKey}|${openConversationId}`;
    const g = this.groupPosts.get(key) ?? { times: [], throttledUntil: 0 };
    this.groupPosts.set(key, g);
    if (t < g.throttledUntil) return false;
    g.times = g.times.filter(at => at > t - 60_000);
    if (g.times.length >= this.groupRate.perMinute) {
      g.throttledUntil = t + this.groupRate.throttleMs;
      return false;
    }
    g.times.push(t);
    return true;
  }

  /** Throws 130101 when the robot may not post into the group now. */
  admitGroupPost(appKey: string, openConversationId: string) {
    if (!this.groupPostAllowed(appKey, openConversationId))
      throw robotGroupRateError();
  }

  report(filter: { appKey?: string; api?: string } = {}): CallsReport {
    const { state } = this.ctx;
    const report: CallsReport = { total: 0, byApp: {} };
    const appKeys = new Set([
      ...state.calls.keys(),
      ...state.tokenFetches.keys(),
      ...state.rejected.keys(),
    ]);
    for (const appKey of appKeys) {
      if (filter.appKey && filter.appKey !== appKey) continue;
      const byApi: Record<string, number> = {};
      let total = 0;
      for (const [api, n] of state.calls.get(appKey) ?? []) {
        if (filter.api && filter.api !== api) continue;
        byApi[api] = n;
        total += n;
      }
      report.byApp[appKey] = {
        total,
        byApi,
        tokenFetches: state.tokenFetches.get(appKey) ?? 0,
        maxPerSecond: state.maxPerSecond.get(appKey) ?? 0,
        rejectedQps: state.rejected.get(appKey)?.qps ?? 0,
        rejectedQuota: state.rejected.get(appKey)?.quota ?? 0,
      };
      report.total += total;
    }
    return report;
  }

  reset() {
    this.windows.clear();
    this.apiWindows.clear();
    this.apiQps.clear();
    this.months.clear();
    this.groupPosts.clear();
    this.groupRate = { perMinute: 20, throttleMs: 5 * 60_000 };
  }
}

function current(map: Map<string, Window>, key: string, second: number) {
  let w = map.get(key);
  if (!w) {
    w = { second, count: 0 };
    map.set(key, w);
  }
  if (w.second !== second) {
    w.second = second;
    w.count = 0;
  }
  return w;
}
