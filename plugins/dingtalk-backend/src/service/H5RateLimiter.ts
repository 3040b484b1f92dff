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

import { CustomErrorBase } from '@backstage/errors';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** 429: the client should wait `retryAfterSeconds`. */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;
  // The backend's error handler answers with this status.
  readonly statusCode = 429;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export interface H5RateLimits {
  /** Sessions per client address per minute. Default 10. */
  perAddressPerMinute: number;
  /** Sessions per integration per minute, all addresses together. Default 120. */
  perIntegrationPerMinute: number;
}

/**
 * Fixed one-minute windows counted in the database, so every replica sees
 * the same count: a request increments its window's row atomically and is
 * refused once the count passes the limit. Client addresses are hashed:
 * the table is not a log of who visited.
 */
export class H5RateLimiter {
  private lastCleanup = 0;
  /**
   * This replica's own view of the current window. A bucket it has seen go
   * over its limit is over it for every replica (the shared count is at
   * least as high), so a flood is refused without a database round trip
   * per request: the database stays free for paging.
   */
  private local = { window: 0, over: new Set<string>() };

  constructor(
    private readonly db: Knex,
    private readonly limits: H5RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws TooManyRequestsError when the address or the integration is over its limit. */
  async check(integrationId: string, address: string): Promise<void> {
    const t = this.now();
    const window = t - (t % 60_000);
    const retryAfterSeconds = Math.ceil((window + 60_000 - t) / 1000);
    if (this.local.window !== window) this.local = { window, over: new Set() };
    const addressBucket = `addr:${createHash('sha256')
      .update(address)
      .digest('hex')
      .slice(0, 40)}`;
    const integrationBucket = `integration:${integrationId}`;
    const over = async (bucket: string, limit: number) => {
      if (this.local.over.has(bucket)) return true;
      if ((await this.increment(bucket, window)) <= limit) return false;
      this.local.over.add(bucket);
      return true;
    };
    if (await over(addressBucket, this.limits.perAddressPerMinute))
      throw new TooManyRequestsError(
        `Too many DingTalk sign-in attempts from this address (at most ${this.limits.perAddressPerMinute} a minute): try again in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    if (await over(integrationBucket, this.limits.perIntegrationPerMinute))
      throw new TooManyRequestsError(
        `Too many DingTalk sign-in attempts for this integration (at most ${this.limits.perIntegrationPerMinute} a minute): try again in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    this.cleanup(window).catch(() => {});
  }

  private async increment(bucket: string, window: number): Promise<number> {
    const rows = await this.db('dingtalk_h5_rate_windows')
      .insert({ bucket, window_start: window, count: 1 })
      .onConflict(['bucket', 'window_start'])
      .merge({ count: this.db.raw('dingtalk_h5_rate_windows.count + 1') })
      .returning('count');
    const row = rows[0] as any;
    return Number(typeof row === 'object' ? row.count : row);
  }

  private async cleanup(window: number) {
    if (window - this.lastCleanup < 5 * 60_000) return;
    this.lastCleanup = window;
    await this.db('dingtalk_h5_rate_windows')
      .where('window_start', '<', window - 5 * 60_000)
      .delete();
  }
}
