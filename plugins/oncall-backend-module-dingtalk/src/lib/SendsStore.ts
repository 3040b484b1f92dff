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

const TABLE = 'oncall_dingtalk_sends';
const WINDOW_MS = 60_000;

/**
 * The cards sent in the last minute, one row each, for the storm switch of
 * the whole cluster (a counter per process let N replicas send N times the
 * limit).
 */
export class SendsStore {
  constructor(private readonly db: Knex) {}

  /**
   * Books a card to a destination unless it would break a limit: more than
   * `perTarget` cards a minute to the destination, or more than
   * `perIntegration` to the integration while this destination already had
   * one this minute (a storm; a quiet destination's first card still goes).
   * Booking first and then counting the rows up to one's own makes two
   * replicas deciding at once see each other.
   */
  async book(req: {
    integrationId: string;
    target: string;
    now: number;
    perIntegration: number;
    perTarget: number;
  }): Promise<boolean> {
    const [row] = await this.db(TABLE).insert(
      {
        integration_id: req.integrationId,
        target: req.target,
        sent_at: req.now,
      },
      ['id'],
    );
    const id = Number(typeof row === 'object' ? row.id : row);
    const since = req.now - WINDOW_MS;
    const count = async (column: string, value: string) => {
      const [{ n }] = await this.db(TABLE)
        .where(column, value)
        .andWhere('sent_at', '>', since)
        .andWhere('id', '<=', id)
        .count({ n: '*' });
      return Number(n);
    };
    const toTarget = await count('target', req.target);
    const toIntegration =
      toTarget > 1 ? await count('integration_id', req.integrationId) : 0;
    if (toTarget > req.perTarget || toIntegration > req.perIntegration) {
      await this.db(TABLE).where({ id }).delete();
      return false;
    }
    return true;
  }

  /** Forgets sends older than the window. */
  async prune(now: number): Promise<void> {
    await this.db(TABLE)
      .where('sent_at', '<', now - 2 * WINDOW_MS)
      .delete();
  }
}
