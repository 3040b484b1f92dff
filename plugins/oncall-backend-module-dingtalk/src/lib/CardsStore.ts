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

/** A card sent for an incident to one destination. */
export interface CardRow {
  incident_id: string;
  target: string;
  out_track_id: string;
  integration_id: string | null;
  created_at: string;
}

/**
 * The cards sent for each incident, per destination: a later step or change
 * updates the card instead of sending another one.
 */
export class CardsStore {
  constructor(private readonly db: Knex) {}

  async find(incidentId: string, target: string): Promise<CardRow | undefined> {
    return this.db<CardRow>('oncall_dingtalk_cards')
      .where({ incident_id: incidentId, target })
      .first();
  }

  async listFor(incidentId: string): Promise<CardRow[]> {
    return this.db<CardRow>('oncall_dingtalk_cards').where({
      incident_id: incidentId,
    });
  }

  /** The first card recorded for a destination stays its card. */
  async add(row: Omit<CardRow, 'created_at'> & { created_at?: string }) {
    await this.db('oncall_dingtalk_cards')
      .insert({ created_at: new Date().toISOString(), ...row })
      .onConflict(['incident_id', 'target'])
      .ignore();
  }
}
