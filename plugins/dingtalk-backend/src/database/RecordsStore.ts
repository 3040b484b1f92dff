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

import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { DeliveryRecord } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** Operation records: every delivery attempt and its outcome. */
export class RecordsStore {
  constructor(private readonly db: Knex) {}

  async add(
    records: Array<Omit<DeliveryRecord, 'id' | 'createdAt'>>,
    at: string,
  ): Promise<DeliveryRecord[]> {
    const full = records.map(r => ({ ...r, id: randomUUID(), createdAt: at }));
    if (full.length) {
      // chunked: SQLite limits the number of bound parameters per statement
      for (let i = 0; i < full.length; i += 50) {
        await this.db('dingtalk_records').insert(
          full.slice(i, i + 50).map(r => ({
            id: r.id,
            integration_id: r.integrationId,
            reference: r.reference ?? null,
            recipient_type: r.recipientType,
            recipient: r.recipient,
            dingtalk_user_id: r.dingtalkUserId ?? null,
            outcome: r.outcome,
            api: r.api ?? null,
            error: r.error ?? null,
            created_at: r.createdAt,
          })),
        );
      }
    }
    return full;
  }

  async list(filter: {
    integrationId?: string;
    outcome?: string;
    recipient?: string;
    reference?: string;
    limit: number;
    offset: number;
  }): Promise<{ items: DeliveryRecord[]; total: number }> {
    const q = this.db('dingtalk_records');
    if (filter.integrationId) q.where('integration_id', filter.integrationId);
    if (filter.outcome) q.where('outcome', filter.outcome);
    if (filter.recipient) q.where('recipient', filter.recipient);
    if (filter.reference) q.where('reference', filter.reference);
    const [{ count }] = await q.clone().count({ count: '*' });
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filter.limit)
      .offset(filter.offset);
    return {
      total: Number(count),
      items: rows.map(r => ({
        id: r.id,
        integrationId: r.integration_id,
        reference: r.reference ?? undefined,
        recipientType: r.recipient_type,
        recipient: r.recipient,
        dingtalkUserId: r.dingtalk_user_id ?? undefined,
        outcome: r.outcome,
        api: r.api ?? undefined,
        error: r.error ?? undefined,
        createdAt: r.created_at,
      })),
    };
  }
}
