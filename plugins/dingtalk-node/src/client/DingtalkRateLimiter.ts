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

/** Which share of the QPS a call may use. @public */
export type DingtalkCallLane = 'default' | 'unauthenticated';

const LANE_SUFFIX = '#unauthenticated';

/** The counter of one app's calls to one API (or to all, without an API). */
function windowKey(clientId: string, api?: string) {
  return api ? `${clientId}|${api}` : clientId;
}

/**
 * Keeps every replica together under an app's QPS limit. DingTalk limits
 * each app per API (`90018` / `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`
 * when one API of one app is called more often than the edition's QPS), so
 * the budget is one counter per app, API and wall-clock second, in the
 * database, incremented atomically; a caller that finds the second full
 * waits for the next one. Calls of different APIs do not wait for each
 * other. (DingTalk's other limit, `90002` / `QpsLimitForApi`, is one API's
 * load over all of DingTalk's tenants: nothing a tenant can count.)
 * DingTalk counts calls as they arrive, so calls acquired at the very end of
 * a second could land in the next one: the tail of each second is not used,
 * and neither is a tenth of each second's budget.
 *
 * Calls made for unauthenticated requests (the H5 sign-in: anyone can post a
 * code) run in the `unauthenticated` lane: they may take at most
 * {@link unauthenticatedShare} of each second's budget, counted in a row of
 * their own before they count in the app's row, so the rest of every second
 * stays for paging and other authenticated work however many of them wait.
 * @public
 */
export class DingtalkRateLimiter {
  private readonly db: Knex;
  private readonly now: () => number;
  private readonly tailMs: number;
  private lastCleanup = 0;

  constructor(opts: { db: Knex; now?: () => number; tailMs?: number }) {
    this.db = opts.db;
    this.now = opts.now ?? Date.now;
    // Generous: a call handed out just before the tail still has to cross a
    // busy event loop and the network before DingTalk counts it. Leaving it
    // unused costs latency only, not throughput (a second's budget is still
    // handed out, in its first 700 ms).
    this.tailMs = opts.tailMs ?? 300;
  }

  /**
   * Resolves when the caller may make one call of `opts.api` for `clientId`
   * (without an API: one call counted against the app as a whole). In the
   * `unauthenticated` lane it gives up after `maxWaitMs` (default 2 s) and
   * resolves false: an anonymous request does not queue for long.
   */
  async acquire(
    clientId: string,
    qps: number,
    opts: { api?: string; lane?: DingtalkCallLane; maxWaitMs?: number } = {},
  ): Promise<boolean> {
    const lane = opts.lane ?? 'default';
    const key = windowKey(clientId, opts.api);
    const giveUpAt =
      lane === 'unauthenticated'
        ? this.now() + (opts.maxWaitMs ?? 2000)
        : Infinity;
    for (;;) {
      if (this.now() > giveUpAt) return false;
      const t = this.now();
      const intoSecond = t % 1000;
      if (intoSecond >= 1000 - this.tailMs) {
        await sleep(1000 - intoSecond + 1);
        continue;
      }
      const second = Math.floor(t / 1000);
      if (
        lane === 'unauthenticated' &&
        (await this.increment(`${key}${LANE_SUFFIX}`, second)) >
          unauthenticatedShare(qps)
      ) {
        // Come back a little after the next second starts: paging that
        // waits for the same second takes its slots first.
        await sleep(laneDelay(this.now()));
        continue;
      }
      const count = await this.increment(key, second);
      // The increment may have waited for a pooled connection or a row lock:
      // a slot taken for a second that has since ended (or whose tail has
      // begun) is not used, because the call would land in the next second
      // on top of that second's own budget. The slot is simply wasted.
      const after = this.now();
      const stillInSecond =
        Math.floor(after / 1000) === second &&
        after % 1000 < 1000 - this.tailMs;
      if (count <= budget(qps) && stillInSecond) {
        this.cleanup(second).catch(() => {});
        return true;
      }
      if (count <= budget(qps)) continue;
      // Full: wait for the next second, with jitter so that waiting replicas
      // do not all hit the database at the same instant.
      await sleep(
        lane === 'unauthenticated'
          ? laneDelay(this.now())
          : 1000 - (this.now() % 1000) + Math.floor(Math.random() * 20),
      );
    }
  }

  private async increment(key: string, second: number): Promise<number> {
    const rows = await this.db('dingtalk_rate_windows')
      .insert({ client_id: key, second, count: 1 })
      .onConflict(['client_id', 'second'])
      .merge({ count: this.db.raw('dingtalk_rate_windows.count + 1') })
      .returning('count');
    const row = rows[0] as any;
    return Number(typeof row === 'object' ? row.count : row);
  }

  private async cleanup(second: number) {
    if (second - this.lastCleanup < 60) return;
    this.lastCleanup = second;
    await this.db('dingtalk_rate_windows')
      .where('second', '<', second - 60)
      .delete();
  }
}

/**
 * The calls per second that the `unauthenticated` lane may take: a tenth of
 * the budget, at least one (Standard: 1 of 18, Professional: 3 of 36,
 * Exclusive: 5 of 54).
 * @public
 */
export function unauthenticatedShare(qps: number): number {
  return Math.max(1, Math.floor(budget(qps) / 10));
}

/**
 * A tenth of the QPS stays unused: a call handed out at the end of one second
 * may arrive in the next (a busy event loop, a slow network), where it must
 * still find room.
 */
function budget(qps: number): number {
  return Math.max(1, qps - Math.ceil(qps / 10));
}

function laneDelay(now: number) {
  return 1000 - (now % 1000) + 100 + Math.floor(Math.random() * 100);
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}
