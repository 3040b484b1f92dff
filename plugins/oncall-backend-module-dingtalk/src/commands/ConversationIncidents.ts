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
import { destKey } from '../lib/destinations';

/**
 * Which incident a chat is about, from the tables the channel keeps: a war
 * room belongs to one incident; elsewhere the last incident card sent into
 * the chat (a group, or the person's own one-to-one chat) is the one meant.
 * Read-only: the channel's stores write these rows.
 */
export class ConversationIncidents {
  constructor(private readonly db: Knex) {}

  /** The incident whose war room this group is, if it is one. */
  async warRoomIncident(
    openConversationId: string,
  ): Promise<string | undefined> {
    const row = await this.db('oncall_dingtalk_warrooms')
      .where({ open_conversation_id: openConversationId })
      .orderBy('created_at', 'desc')
      .first('incident_id');
    return row?.incident_id;
  }

  /** The war room of an incident, with the integration its card went out through. */
  async warRoomOf(
    incidentId: string,
  ): Promise<
    | { openConversationId: string; url: string; integrationId?: string }
    | undefined
  > {
    const row = await this.db('oncall_dingtalk_warrooms')
      .where({ incident_id: incidentId })
      .first('open_conversation_id', 'url');
    if (!row) return undefined;
    const card = await this.db('oncall_dingtalk_cards')
      .where({ incident_id: incidentId })
      .andWhere('target', 'like', `group:%:${row.open_conversation_id}`)
      .first('integration_id');
    return {
      openConversationId: row.open_conversation_id,
      url: row.url,
      integrationId: card?.integration_id ?? undefined,
    };
  }

  /** The incident of the newest card sent to a group or to a person (entity ref). */
  async lastCardIncident(dest: {
    integrationId: string;
    group?: string;
    user?: string;
  }): Promise<string | undefined> {
    const row = await this.db('oncall_dingtalk_cards')
      .where({ target: destKey(dest) })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'incident_id', order: 'desc' },
      ])
      .first('incident_id');
    return row?.incident_id;
  }
}
