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

/** The card callback secrets of one integration, as only the backend ever sees them. */
export interface CardSecrets {
  /** The secret DingTalk signs card callbacks with. */
  current: string;
  /** A new secret being registered with DingTalk (accepted too until it replaces `current`). */
  pending?: string;
  /** HMAC of the credentials `current` was registered with; a change means rotate. */
  credentials: string;
  rotatedAt: string;
}

/** A row as read: the secrets and the sealed value a compare-and-set must find. */
export interface StoredCardSecrets extends CardSecrets {
  version: string;
}

type Sealer = { seal(v: string): string; open(v: string): string };

/**
 * The `dingtalk_card_secrets` table: sealed like the integrations' other
 * secrets. Replicas change a row by compare-and-set on its sealed value
 * (fresh random IV each time), so two replicas rotating at once cannot
 * leave DingTalk with one secret and the database with another unnoticed.
 */
export class CardSecretsStore {
  constructor(private readonly db: Knex, private readonly box: Sealer) {}

  async get(integrationId: string): Promise<StoredCardSecrets | undefined> {
    const row = await this.db('dingtalk_card_secrets')
      .where({ integration_id: integrationId })
      .first();
    if (!row) return undefined;
    const sealed = JSON.parse(this.box.open(row.secrets));
    return {
      current: sealed.current,
      pending: sealed.pending ?? undefined,
      credentials: sealed.credentials,
      rotatedAt: row.rotated_at,
      version: row.secrets,
    };
  }

  /** False when another replica inserted first. */
  async insert(integrationId: string, secrets: CardSecrets): Promise<boolean> {
    try {
      await this.db('dingtalk_card_secrets').insert({
        integration_id: integrationId,
        ...this.toRow(secrets),
      });
      return true;
    } catch (e) {
      if (isDatabaseConflictError(e)) return false;
      throw e;
    }
  }

  /** Replaces the row only if it is still `expected`; false when someone changed it first. */
  async replace(
    integrationId: string,
    expected: StoredCardSecrets,
    secrets: CardSecrets,
  ): Promise<boolean> {
    const updated = await this.db('dingtalk_card_secrets')
      .where({ integration_id: integrationId, secrets: expected.version })
      .update(this.toRow(secrets));
    return updated > 0;
  }

  async delete(integrationId: string): Promise<void> {
    await this.db('dingtalk_card_secrets')
      .where({ integration_id: integrationId })
      .delete();
  }

  private toRow(s: CardSecrets) {
    return {
      secrets: this.box.seal(
        JSON.stringify({
          current: s.current,
          ...(s.pending ? { pending: s.pending } : {}),
          credentials: s.credentials,
        }),
      ),
      rotated_at: s.rotatedAt,
    };
  }
}
