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

import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';

const TABLE = 'oncall_dingtalk_digest_items';
const HOLDS = 'oncall_dingtalk_target_holds';

/** One digest batch a flush took: what goes into one digest card. */
export interface DigestBatch {
  batchId: string;
  target: string;
  integrationId: string;
  incidents: Incident[];
}

/**
 * Incidents waiting for their destination's next digest card. A flush takes
 * a destination's rows as a batch under a lease; the rows go only once the
 * card is sent and recorded, so a flush cut short (the replica died) is
 * taken over, with the same batch id and so the same card, after the lease.
 */
export class DigestStore {
  constructor(private readonly db: Knex) {}

  /** Merges the incident into the destination's next digest (once). */
  async add(item: {
    target: string;
    integrationId: string;
    incident: Incident;
    now: number;
  }): Promise<void> {
    await this.db(TABLE)
      .insert({
        target: item.target,
        integration_id: item.integrationId,
        incident_id: item.incident.id,
        incident: JSON.stringify(item.incident),
        created_at: item.now,
      })
      .onConflict(['target', 'incident_id'])
      .ignore();
  }

  /** Whether the destination has incidents waiting for a digest. */
  async isDigesting(target: string): Promise<boolean> {
    const row = await this.db(TABLE).where({ target }).first('id');
    return !!row;
  }

  /**
   * Takes what is due for a digest: batches whose flush's lease ran out,
   * then one new batch per destination with waiting incidents. Safe when
   * flushes overlap: each batch is taken by one compare-and-set.
   */
  async take(now: number, leaseMs: number, limit: number): Promise<string[]> {
    const taken: string[] = [];
    // a group DingTalk throttles the robot in waits until its hold is over
    const held = () =>
      this.db(HOLDS).where('held_until', '>', now).select('target');
    const stale = await this.db(TABLE)
      .whereNotNull('batch_id')
      .andWhere('claimed_until', '<', now)
      .whereNotIn('target', held())
      .distinct('batch_id')
      .limit(limit);
    for (const { batch_id: batchId } of stale) {
      const n = await this.db(TABLE)
        .where({ batch_id: batchId })
        .andWhere('claimed_until', '<', now)
        .update({ claimed_until: now + leaseMs });
      if (n > 0) taken.push(batchId);
    }
    if (taken.length >= limit) return taken;
    const waiting = await this.db(TABLE)
      .whereNull('batch_id')
      .whereNotIn('target', held())
      .distinct('target')
      .limit(limit - taken.length);
    for (const { target } of waiting) {
      const batchId = randomUUID();
      const n = await this.db(TABLE)
        .where({ target })
        .whereNull('batch_id')
        .update({ batch_id: batchId, claimed_until: now + leaseMs });
      if (n > 0) taken.push(batchId);
    }
    return taken;
  }

  async batch(batchId: string): Promise<DigestBatch | undefined> {
    const rows = await this.db(TABLE)
      .where({ batch_id: batchId })
      .orderBy('id', 'asc');
    if (!rows.length) return undefined;
    return {
      batchId,
      target: rows[0].target,
      integrationId: rows[0].integration_id,
      incidents: rows.map(r => JSON.parse(r.incident) as Incident),
    };
  }

  /** No digest goes to the target before `until` (DingTalk throttles the robot there). */
  async hold(target: string, integrationId: string, until: number) {
    await this.db(HOLDS)
      .insert({ target, integration_id: integrationId, held_until: until })
      .onConflict('target')
      .merge(['held_until']);
    await this.db(HOLDS)
      .where('held_until', '<', until - 3_600_000)
      .delete();
  }

  /** The batch went out (or DingTalk refused it for good): it is done. */
  async remove(batchId: string): Promise<void> {
    await this.db(TABLE).where({ batch_id: batchId }).delete();
  }
}
