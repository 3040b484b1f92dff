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
 * Events already handled, keyed by a hash of their decrypted content, so
 * that DingTalk's retries and replays change nothing twice.
 */
export class EventsStore {
  constructor(private readonly db: Knex) {}

  /**
   * Claims an event with the status it will have once applied; false when it
   * was seen before. A fixed SQL text: the query builder's compile step was a
   * visible share of the callback's time (bench/callback.ts).
   */
  async claim(
    integrationId: string,
    eventKey: string,
    eventType: string,
    payload: string,
    at: string,
    status: 'done' | 'ignored',
  ): Promise<boolean> {
    try {
      await this.db.raw(
        'insert into dingtalk_events (integration_id, event_key, event_type, status, payload, received_at) values (?, ?, ?, ?, ?, ?)',
        [integrationId, eventKey, eventType, status, payload, at],
      );
      return true;
    } catch (e) {
      if (isDatabaseConflictError(e)) return false;
      throw e;
    }
  }

  /**
   * Claims several events in one statement (`on conflict do nothing`, no
   * error raised for a duplicate); resolves to the `integrationId/eventKey`
   * of those claimed now, the others having been seen before. Keys must be
   * distinct within a call. SQLite and PostgreSQL; elsewhere one by one.
   */
  async claimMany(
    rows: Array<{
      integrationId: string;
      eventKey: string;
      eventType: string;
      payload: string;
      at: string;
      status: 'done' | 'ignored';
    }>,
  ): Promise<Set<string>> {
    const claimed = new Set<string>();
    const client = this.db.client.config?.client;
    if (client !== 'better-sqlite3' && client !== 'pg') {
      for (const r of rows) {
        if (
          await this.claim(
            r.integrationId,
            r.eventKey,
            r.eventType,
            r.payload,
            r.at,
            r.status,
          )
        )
          claimed.add(`${r.integrationId}/${r.eventKey}`);
      }
      return claimed;
    }
    const bindings: string[] = [];
    for (const r of rows)
      bindings.push(
        r.integrationId,
        r.eventKey,
        r.eventType,
        r.status,
        r.payload,
        r.at,
      );
    const result = await this.db.raw(
      `insert into dingtalk_events (integration_id, event_key, event_type, status, payload, received_at) values ${rows
        .map(() => '(?, ?, ?, ?, ?, ?)')
        .join(
          ', ',
        )} on conflict (integration_id, event_key) do nothing returning integration_id, event_key`,
      bindings,
    );
    const returned: any[] = Array.isArray(result) ? result : result.rows;
    for (const r of returned) claimed.add(`${r.integration_id}/${r.event_key}`);
    return claimed;
  }

  /** Forgets a claim whose processing failed, so DingTalk's retry processes it. */
  async release(integrationId: string, eventKey: string) {
    await this.db('dingtalk_events')
      .where({ integration_id: integrationId, event_key: eventKey })
      .delete();
  }

  /** Forgets several claims (their processing failed together). */
  async releaseMany(keys: Array<{ integrationId: string; eventKey: string }>) {
    if (keys.length === 0) return;
    await this.db('dingtalk_events')
      .where(q => {
        for (const k of keys)
          q.orWhere({ integration_id: k.integrationId, event_key: k.eventKey });
      })
      .delete();
  }

  /**
   * Forgets events received before `before` (ISO time). DingTalk retries a
   * push for hours, not days, so old keys only grow the table; the Stream
   * gateway's re-deliveries are minutes apart. Returns how many were removed.
   */
  async prune(before: string): Promise<number> {
    return await this.db('dingtalk_events')
      .where('received_at', '<', before)
      .delete();
  }

  async list(integrationId: string, limit = 100) {
    const rows = await this.db('dingtalk_events')
      .where({ integration_id: integrationId })
      .orderBy('received_at', 'desc')
      .limit(limit);
    return rows.map(r => ({
      eventType: r.event_type,
      status: r.status,
      receivedAt: r.received_at,
    }));
  }
}
