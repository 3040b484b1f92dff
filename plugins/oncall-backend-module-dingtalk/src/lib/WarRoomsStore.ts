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

/** A war room (DingTalk scene group) of an incident. */
export interface WarRoomRow {
  incident_id: string;
  open_conversation_id: string;
  url: string;
  created_by: string | null;
  created_at: string;
}

/** The war room of each incident, so its cards link to it. */
export class WarRoomsStore {
  constructor(private readonly db: Knex) {}

  async find(incidentId: string): Promise<WarRoomRow | undefined> {
    return this.db<WarRoomRow>('oncall_dingtalk_warrooms')
      .where({ incident_id: incidentId })
      .first();
  }

  /** The first war room stays the incident's link. */
  async add(row: WarRoomRow) {
    await this.db('oncall_dingtalk_warrooms')
      .insert(row)
      .onConflict('incident_id')
      .ignore();
  }
}
