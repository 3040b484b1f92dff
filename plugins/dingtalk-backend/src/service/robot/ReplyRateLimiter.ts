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

import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

const MINUTE = 60_000;
// The plugin's table of one-minute windows counted in the database (the H5
// sign-in limits use it too, with their own buckets).
const TABLE = 'dingtalk_h5_rate_windows';
const PREFIX = 'reply:';

/**
 * Replies per conversation per minute, counted in the database so that all
 * replicas together keep to the rate (a conversation's messages are handled
 * by whichever replica received them). The DingTalk client's QPS limiter
 * counts per second; DingTalk's group robot rate is per minute, so this
 * counts one-minute windows and weighs the previous window by how much of
 * it still falls within the last minute (a sliding minute, without keeping
 * each reply's time). A refused reply is not counted: a flood of commands
 * does not push the next minute's replies out too.
 */
export class ReplyRateLimiter {
  #lastCleanup = 0;
  /**
   * Conversations this replica saw full in the current window: refused
   * without a database round trip until it ends (stricter than the sliding
   * minute by at most that window's remainder), so a chatty room costs the
   * database nothing.
   */
  #full = { window: 0, keys: new Set<string>() };

  constructor(
    private readonly db: Knex,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one reply of `key`'s budget; false when the last minute had `perMinute` already. */
  async take(key: string): Promise<boolean> {
    const t = this.now();
    const window = t - (t % MINUTE);
    if (this.#full.window !== window) this.#full = { window, keys: new Set() };
    const bucket = `${PREFIX}${createHash('sha256')
      .update(key)
      .digest('hex')
      .slice(0, 40)}`;
    if (this.#full.keys.has(bucket)) return false;
    const count = await this.#increment(bucket, window);
    const previous = await this.db(TABLE)
      .where({ bucket, window_start: window - MINUTE })
      .first('count');
    const weight = 1 - (t - window) / MINUTE;
    const estimate = Number(previous?.count ?? 0) * weight + count;
    if (estimate > this.perMinute) {
      await this.db(TABLE)
        .where({ bucket, window_start: window })
        .decrement('count', 1);
      this.#full.keys.add(bucket);
      return false;
    }
    this.#cleanup(window).catch(() => {});
    return true;
  }

  async #increment(bucket: string, window: number): Promise<number> {
    const rows = await this.db(TABLE)
      .insert({ bucket, window_start: window, count: 1 })
      .onConflict(['bucket', 'window_start'])
      .merge({ count: this.db.raw(`${TABLE}.count + 1`) })
      .returning('count');
    const row = rows[0] as any;
    return Number(typeof row === 'object' ? row.count : row);
  }

  async #cleanup(window: number) {
    if (window - this.#lastCleanup < 5 * MINUTE) return;
    this.#lastCleanup = window;
    await this.db(TABLE)
      .where('bucket', 'like', `${PREFIX}%`)
      .andWhere('window_start', '<', window - 5 * MINUTE)
      .delete();
  }
}
