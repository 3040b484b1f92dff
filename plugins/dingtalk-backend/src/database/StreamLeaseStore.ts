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

import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

/**
 * Leases on Stream-mode connections: DingTalk delivers each event to one of
 * an app's connections, and a second replica holding a second connection
 * would split (not duplicate) the events between two processes for no gain
 * and double the gateway's load. A lease is a row taken by compare-and-set:
 * free when missing or expired, kept by its holder renewing it.
 *
 * Expiry uses each replica's clock; replicas are expected to be NTP-synced
 * to well under the lease length, and the holder gives the lease up early
 * (see StreamManager) so that a small skew cannot make two holders.
 */
export class StreamLeaseStore {
  constructor(private readonly db: Knex) {}

  /** Takes or renews the lease; true when `holder` holds it until `now + ttlMs`. */
  async acquire(
    integrationId: string,
    holder: string,
    ttlMs: number,
    now = Date.now(),
  ): Promise<boolean> {
    const expiresAt = now + ttlMs;
    const updated = await this.db('dingtalk_stream_leases')
      .where({ integration_id: integrationId })
      .andWhere(q => q.where({ holder }).orWhere('expires_at', '<', now))
      .update({ holder, expires_at: expiresAt });
    if (updated > 0) return true;
    try {
      await this.db('dingtalk_stream_leases').insert({
        integration_id: integrationId,
        holder,
        expires_at: expiresAt,
      });
      return true;
    } catch (e) {
      // someone else holds a live lease (or took the free one first)
      if (isDatabaseConflictError(e)) return false;
      throw e;
    }
  }

  /** Gives the lease up at once, so that another replica need not wait for it to expire. */
  async release(integrationId: string, holder: string): Promise<void> {
    await this.db('dingtalk_stream_leases')
      .where({ integration_id: integrationId, holder })
      .delete();
  }

  async holder(
    integrationId: string,
    now = Date.now(),
  ): Promise<string | undefined> {
    const row = await this.db('dingtalk_stream_leases')
      .where({ integration_id: integrationId })
      .first();
    return row && Number(row.expires_at) > now ? row.holder : undefined;
  }
}
