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

/** Which integration sent a card and which plugin handles its buttons. */
export interface StoredCard {
  outTrackId: string;
  integrationId: string;
  reference?: string;
  callback?: { pluginId: string; path: string };
}

export class CardsStore {
  constructor(private readonly db: Knex) {}

  async save(card: StoredCard, at: string) {
    await this.db('dingtalk_cards')
      .insert({
        out_track_id: card.outTrackId,
        integration_id: card.integrationId,
        reference: card.reference ?? null,
        callback_plugin: card.callback?.pluginId ?? null,
        callback_path: card.callback?.path ?? null,
        created_at: at,
      })
      .onConflict('out_track_id')
      .merge(['callback_plugin', 'callback_path', 'reference']);
  }

  async get(outTrackId: string): Promise<StoredCard | undefined> {
    const r = await this.db('dingtalk_cards')
      .where({ out_track_id: outTrackId })
      .first();
    if (!r) return undefined;
    return {
      outTrackId: r.out_track_id,
      integrationId: r.integration_id,
      reference: r.reference ?? undefined,
      callback: r.callback_plugin
        ? { pluginId: r.callback_plugin, path: r.callback_path }
        : undefined,
    };
  }

  /** Records that the quota warning for a month went out; false if it already had. */
  async claimQuotaAlert(
    integrationId: string,
    month: string,
  ): Promise<boolean> {
    const inserted = await this.db('dingtalk_quota_alerts')
      .insert({ integration_id: integrationId, month })
      .onConflict(['integration_id', 'month'])
      .ignore()
      .returning('month');
    return inserted.length > 0;
  }
}
