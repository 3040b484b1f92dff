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
import {
  CreatedWebhookToken,
  WebhookToken,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { toIso } from './util';

const TOKEN_PREFIX = 'ocw_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Per-service alert webhook tokens. Only a SHA-256 hash is stored: the token
 * itself is shown once, at creation.
 */
export class WebhooksStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async create(
    serviceRef: string,
    name: string,
    createdBy: string | undefined,
    now: number,
  ): Promise<CreatedWebhookToken> {
    const { token, tokenPrefix } = newToken();
    const id = randomUUID();
    await this.#db('oncall_webhooks').insert({
      id,
      service_ref: serviceRef,
      name,
      token_hash: hashToken(token),
      token_prefix: tokenPrefix,
      created_at: now,
      created_by: createdBy ?? null,
    });
    return {
      id,
      serviceRef,
      name,
      tokenPrefix,
      createdAt: new Date(now).toISOString(),
      createdBy,
      token,
      path: `/api/oncall/alerts/${token}`,
    };
  }

  async list(serviceRef: string): Promise<WebhookToken[]> {
    const rows = await this.#db('oncall_webhooks')
      .where({ service_ref: serviceRef })
      .orderBy('created_at', 'asc');
    return rows.map(toWebhook);
  }

  async get(serviceRef: string, id: string): Promise<WebhookToken | undefined> {
    const row = await this.#db('oncall_webhooks')
      .where({ service_ref: serviceRef, id })
      .first();
    return row ? toWebhook(row) : undefined;
  }

  async rename(
    serviceRef: string,
    id: string,
    name: string,
  ): Promise<WebhookToken | undefined> {
    await this.#db('oncall_webhooks')
      .where({ service_ref: serviceRef, id })
      .update({ name });
    return this.get(serviceRef, id);
  }

  /**
   * A new token for the same webhook (name, id and history stay): the old
   * token stops working at once. Returns the new token, shown once.
   */
  async rotate(
    serviceRef: string,
    id: string,
    now: number,
  ): Promise<CreatedWebhookToken | undefined> {
    const { token, tokenPrefix } = newToken();
    const updated = await this.#db('oncall_webhooks')
      .where({ service_ref: serviceRef, id })
      .update({
        token_hash: hashToken(token),
        token_prefix: tokenPrefix,
        rotated_at: now,
      });
    if (!updated) return undefined;
    const webhook = (await this.get(serviceRef, id))!;
    return { ...webhook, token, path: `/api/oncall/alerts/${token}` };
  }

  /** Number of webhooks per service, for the services overview. */
  async countByService(): Promise<Map<string, number>> {
    const rows: Array<{ service_ref: string; n: string | number }> =
      await this.#db('oncall_webhooks')
        .select('service_ref')
        .count({ n: '*' })
        .groupBy('service_ref');
    return new Map(rows.map(r => [String(r.service_ref), Number(r.n)]));
  }

  async delete(serviceRef: string, id: string): Promise<boolean> {
    return (
      (await this.#db('oncall_webhooks')
        .where({ service_ref: serviceRef, id })
        .delete()) > 0
    );
  }

  /** Finds the webhook a presented token belongs to. */
  async authenticate(
    token: string,
    now: number,
  ): Promise<WebhookToken | undefined> {
    const row = await this.#db('oncall_webhooks')
      .where({ token_hash: hashToken(token) })
      .first();
    if (!row) return undefined;
    // Coarse on purpose: one write per minute per token, not per alert.
    const last = row.last_used_at === null ? 0 : Number(row.last_used_at);
    if (now - last > 60_000) {
      await this.#db('oncall_webhooks')
        .where({ id: row.id })
        .update({ last_used_at: now });
    }
    return toWebhook(row);
  }
}

function newToken(): { token: string; tokenPrefix: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, tokenPrefix: token.slice(0, TOKEN_PREFIX.length + 4) };
}

function toWebhook(row: any): WebhookToken {
  return {
    id: row.id,
    serviceRef: row.service_ref,
    name: row.name,
    tokenPrefix: row.token_prefix,
    createdAt: toIso(row.created_at)!,
    createdBy: row.created_by ?? undefined,
    lastUsedAt: toIso(row.last_used_at),
    rotatedAt: toIso(row.rotated_at),
  };
}
