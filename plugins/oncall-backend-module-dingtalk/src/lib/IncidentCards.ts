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

import type { DeliveryRecord } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { ChannelDeliveryResult } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { incidentCard } from './cards';
import { CardsStore } from './CardsStore';
import type { ChannelContext } from './context';
import {
  CARD_ACTION_PATH,
  destKey,
  hash,
  parseDestKey,
  result,
  type Destination,
} from './destinations';
import { WarRoomsStore } from './WarRoomsStore';

/**
 * Outcomes that may go otherwise next time (DingTalk failed or throttled the
 * call after the client's own retries); not a missing link or the quota.
 */
const TRANSIENT = new Set(['failed', 'flow controlled']);

function retryable(r: ChannelDeliveryResult): ChannelDeliveryResult {
  return { ...r, retryable: true };
}

/**
 * One incident's cards: sent once per destination, then updated in place
 * whenever the incident changes or a later step reaches the same place.
 */
export class IncidentCards {
  readonly store: CardsStore;
  private readonly rooms: WarRoomsStore;

  constructor(private readonly ctx: ChannelContext) {
    this.store = new CardsStore(ctx.db);
    this.rooms = new WarRoomsStore(ctx.db);
  }

  /** The card params of an incident as it is now (for a clicked card's update). */
  paramsFor(incident: Incident): Record<string, string> {
    return incidentCard({
      incident,
      appBaseUrl: this.ctx.appBaseUrl,
      allowedLinkHosts: this.ctx.allowedLinkHosts,
      template: this.ctx.template,
    }).cardParamMap;
  }

  /** The card already sent to a destination is updated; undefined when there is none. */
  async updateExisting(
    incident: Incident,
    dest: Destination,
    signal?: AbortSignal,
  ): Promise<ChannelDeliveryResult | undefined> {
    const existing = await this.store.find(incident.id, destKey(dest));
    if (!existing) return undefined;
    try {
      await this.ctx.notifier.updateCard(
        {
          integrationId: dest.integrationId,
          outTrackId: existing.out_track_id,
          cardParamMap: (await this.card(incident, dest)).cardParamMap,
        },
        { signal },
      );
      return result(
        dest,
        'updated',
        `card ${existing.out_track_id} updated in place`,
      );
    } catch (e) {
      return retryable(result(dest, 'failed', String((e as Error).message)));
    }
  }

  /** Every card of the incident shows it as it is now. */
  async updateAll(incident: Incident): Promise<void> {
    for (const row of await this.store.listFor(incident.id)) {
      const dest = parseDestKey(row.target, row.integration_id ?? '');
      const card = await this.card(incident, dest);
      await this.ctx.notifier.updateCard({
        integrationId: row.integration_id ?? undefined,
        outTrackId: row.out_track_id,
        cardParamMap: card.cardParamMap,
      });
    }
  }

  /** The incident's own card to a destination, recorded once it is sent. */
  async send(
    incident: Incident,
    dest: Destination,
    signal?: AbortSignal,
  ): Promise<ChannelDeliveryResult> {
    const card = await this.card(incident, dest);
    const outTrackId = `oncall-${incident.id}-${hash(destKey(dest))}`;
    let records: DeliveryRecord[];
    try {
      ({ results: records } = await this.ctx.notifier.send(
        {
          integrationId: dest.integrationId,
          reference: incident.id,
          users: dest.user ? [dest.user] : [],
          groups: dest.group ? [dest.group] : [],
          message: {
            type: 'card',
            outTrackId,
            title: card.title,
            markdown: card.markdown,
            cardParamMap: card.cardParamMap,
            actions: card.actions,
            callback: { pluginId: 'oncall', path: CARD_ACTION_PATH },
            atUserIds: dest.group
              ? await this.mentionIds(incident, dest.integrationId)
              : undefined,
          },
        },
        { signal },
      ));
    } catch (e) {
      // The dingtalk backend did not answer (or the host gave up on us):
      // the host runs the step again, and the same outTrackId keeps it one
      // card at DingTalk.
      return retryable(result(dest, 'failed', String((e as Error).message)));
    }
    const outcome = records[0]?.outcome ?? 'failed';
    if (outcome === 'sent') {
      await this.store.add({
        incident_id: incident.id,
        target: destKey(dest),
        out_track_id: outTrackId,
        integration_id: dest.integrationId,
      });
    }
    const detail =
      [records[0]?.error, card.fallback].filter(Boolean).join('; ') ||
      undefined;
    const delivered = result(dest, outcome, detail);
    return TRANSIENT.has(outcome) ? retryable(delivered) : delivered;
  }

  /** The incident card for a destination, with the war room's link once there is one. */
  async card(incident: Incident, dest: Destination) {
    const room = await this.rooms.find(incident.id);
    return incidentCard({
      incident,
      appBaseUrl: this.ctx.appBaseUrl,
      allowedLinkHosts: this.ctx.allowedLinkHosts,
      template: this.ctx.template,
      mentions: dest.group ? incident.responders : undefined,
      warRoomUrl: room?.url,
    });
  }

  /** DingTalk user ids of the responders, so the group card @-mentions them. */
  private async mentionIds(
    incident: Incident,
    integrationId: string,
  ): Promise<string[]> {
    if (!incident.responders.length) return [];
    try {
      const { users } = await this.ctx.notifier.resolveUsers({
        integrationId,
        userEntityRefs: incident.responders,
      });
      return users.map(u => u.dingtalkUserId).filter((u): u is string => !!u);
    } catch {
      return [];
    }
  }
}
