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

import type { CacheService } from '@backstage/backend-plugin-api';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

type Cached = { token: string; expiresAt: number };

/**
 * Hands out an app's access token. Tokens live in Backstage's cache service
 * (Redis when several replicas run), so every replica uses the same one; a
 * short lease row in the database makes sure only one replica fetches a new
 * token when it is due, while the others wait for it to appear in the cache.
 * Tokens are refreshed at 90% of their lifetime, before DingTalk expires them.
 * @public
 */
export class DingtalkTokenProvider {
  private readonly cache?: CacheService;
  private readonly db?: Knex;
  private readonly now: () => number;
  private readonly owner = randomUUID();
  private readonly local = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(opts: { cache?: CacheService; db?: Knex; now?: () => number }) {
    this.cache = opts.cache;
    this.db = opts.db;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Returns a valid token for `clientId`, calling `fetchToken` only when no
   * replica has a fresh one.
   */
  async get(
    clientId: string,
    fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>,
  ): Promise<string> {
    const fresh = this.fresh(this.local.get(clientId));
    if (fresh) return fresh;
    const running = this.inflight.get(clientId);
    if (running) return running;
    const promise = this.resolve(clientId, fetchToken).finally(() =>
      this.inflight.delete(clientId),
    );
    this.inflight.set(clientId, promise);
    return promise;
  }

  /** Forgets a token DingTalk refused, so the next call fetches a new one. */
  async invalidate(clientId: string, token: string): Promise<void> {
    if (this.local.get(clientId)?.token === token) this.local.delete(clientId);
    const shared = await this.readCache(clientId);
    if (shared?.token === token) await this.cache?.delete(this.key(clientId));
  }

  private async resolve(
    clientId: string,
    fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>,
  ): Promise<string> {
    const shared = this.fresh(await this.readCache(clientId));
    if (shared) {
      this.local.set(clientId, (await this.readCache(clientId))!);
      return shared;
    }
    if (this.db && !(await this.takeLease(clientId))) {
      // Another replica is fetching: wait for its token to appear.
      for (let i = 0; i < 50; i++) {
        await new Promise(r => setTimeout(r, 100));
        const cached = await this.readCache(clientId);
        if (this.fresh(cached)) {
          this.local.set(clientId, cached!);
          return cached!.token;
        }
      }
    }
    try {
      const { token, expiresInSeconds } = await fetchToken();
      const entry = {
        token,
        expiresAt: this.now() + expiresInSeconds * 1000 * 0.9,
      };
      this.local.set(clientId, entry);
      await this.cache?.set(this.key(clientId), entry, {
        ttl: Math.max(1000, entry.expiresAt - this.now()),
      });
      return token;
    } finally {
      await this.releaseLease(clientId);
    }
  }

  private fresh(entry: Cached | undefined): string | undefined {
    return entry && entry.expiresAt > this.now() ? entry.token : undefined;
  }

  private key(clientId: string) {
    return `dingtalk-token:${clientId}`;
  }

  private async readCache(clientId: string): Promise<Cached | undefined> {
    return (await this.cache?.get(this.key(clientId))) as Cached | undefined;
  }

  private async takeLease(clientId: string): Promise<boolean> {
    const db = this.db!;
    const now = this.now();
    const leaseUntil = now + 10_000;
    await db('dingtalk_token_leases')
      .insert({ client_id: clientId, owner: this.owner, lease_until: 0 })
      .onConflict('client_id')
      .ignore();
    const updated = await db('dingtalk_token_leases')
      .where('client_id', clientId)
      .andWhere(q =>
        q.where('lease_until', '<', now).orWhere('owner', this.owner),
      )
      .update({ owner: this.owner, lease_until: leaseUntil });
    return updated === 1;
  }

  private async releaseLease(clientId: string) {
    await this.db?.('dingtalk_token_leases')
      .where({ client_id: clientId, owner: this.owner })
      .update({ lease_until: 0 });
  }
}
