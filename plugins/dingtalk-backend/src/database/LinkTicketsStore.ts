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

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';

/** A link ticket's DingTalk side, as the H5 session learnt it. */
export interface LinkTicket {
  integrationId: string;
  dingtalkUserId: string;
  unionId?: string;
  name?: string;
  expiresAt: number;
  usedAt?: number;
  /** SHA-256 (hex) of the H5 session cookie the ticket is bound to. */
  sessionHash: string;
}

/** How long a link ticket works: the person links right after opening the app. */
export const LINK_TICKET_TTL_MS = 5 * 60_000;

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** True when `value` hashes to `hash`, compared in constant time. */
export function matchesHash(value: string | undefined, hash: string): boolean {
  if (!value) return false;
  const a = Buffer.from(sha256(value), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Account-link tickets. Only hashes are stored: a ticket is a random bearer
 * value that a database reader must not be able to use. A ticket works once
 * (consume flips `used_at` in one conditional update, so two replicas cannot
 * both accept it) and for {@link LINK_TICKET_TTL_MS}.
 */
export class LinkTicketsStore {
  private lastPrune = 0;

  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues a ticket bound to the H5 session cookie `session`. */
  async issue(
    t: Omit<LinkTicket, 'expiresAt' | 'usedAt' | 'sessionHash'>,
    session: string,
  ): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    await this.db('dingtalk_link_tickets').insert({
      ticket_hash: sha256(ticket),
      session_hash: sha256(session),
      integration_id: t.integrationId,
      dingtalk_user_id: t.dingtalkUserId,
      union_id: t.unionId ?? null,
      name: t.name ?? null,
      expires_at: this.now() + LINK_TICKET_TTL_MS,
    });
    this.prune().catch(() => {});
    return ticket;
  }

  async find(ticket: string): Promise<LinkTicket | undefined> {
    const row = await this.db('dingtalk_link_tickets')
      .where({ ticket_hash: sha256(ticket) })
      .first();
    if (!row) return undefined;
    return {
      integrationId: row.integration_id,
      dingtalkUserId: row.dingtalk_user_id,
      unionId: row.union_id ?? undefined,
      name: row.name ?? undefined,
      expiresAt: Number(row.expires_at),
      usedAt: row.used_at === null ? undefined : Number(row.used_at),
      sessionHash: row.session_hash,
    };
  }

  /** Marks the ticket used; false when it was used already or has expired. */
  async consume(ticket: string, tx: Knex = this.db): Promise<boolean> {
    const now = this.now();
    const updated = await tx('dingtalk_link_tickets')
      .where({ ticket_hash: sha256(ticket) })
      .whereNull('used_at')
      .andWhere('expires_at', '>', now)
      .update({ used_at: now });
    return updated === 1;
  }

  private async prune() {
    const now = this.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    // Used and expired tickets are kept a day, for whoever investigates.
    await this.db('dingtalk_link_tickets')
      .where('expires_at', '<', now - 24 * 3600_000)
      .delete();
  }
}
