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
import { isDingtalkGroupThrottled } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type {
  ChannelDeliveryResult,
  ChannelNotifyRequest,
  IncidentChange,
  OncallChannel,
  OncallDeliveryLink,
  OncallIncidentActions,
  OncallWarRooms,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import {
  defaultIntegration,
  type ChannelContext,
  type ChannelDeps,
} from './context';
import { result, type Destination } from './destinations';
import { DigestQueue } from './DigestQueue';
import { deliveryLinks } from './deliveryLinks';
import { IncidentCards } from './IncidentCards';
import { listTargetsAcross } from './listTargets';
import { WarRooms } from './WarRooms';

export { CARD_ACTION_PATH } from './destinations';
export type { AggregationOptions } from './context';

/**
 * DingTalk as an on-call channel: incidents go out as interactive cards to
 * group chats and to linked people, cards are updated in place when the
 * incident changes, and during an alert storm (or when the monthly quota runs
 * low) incidents are merged into digest cards instead of one card each.
 * The parts: {@link IncidentCards}, {@link DigestQueue}, {@link WarRooms}.
 */
export class DingtalkChannel implements OncallChannel {
  readonly id = 'dingtalk';
  readonly title = 'DingTalk';
  private incidents?: OncallIncidentActions;
  private readonly ctx: ChannelContext;
  readonly cards: IncidentCards;
  readonly digests: DigestQueue;
  readonly rooms: WarRooms;
  /** War rooms as a channel capability: the host's `POST /incidents/:id/war-room`. */
  readonly warRooms: OncallWarRooms = {
    create: async ({ incident, requestedBy }) => {
      const room = await this.rooms.create(incident.id, requestedBy);
      return {
        id: room.openConversationId,
        title: incident.title,
        url: room.url,
      };
    },
  };

  constructor(deps: ChannelDeps) {
    this.ctx = { ...deps, incidents: () => this.incidents };
    this.cards = new IncidentCards(this.ctx);
    this.digests = new DigestQueue(this.ctx);
    this.rooms = new WarRooms(this.ctx, incident =>
      this.cards.updateAll(incident),
    );
  }

  bind(ctx: { incidents: OncallIncidentActions }) {
    this.incidents = ctx.incidents;
  }

  get actions() {
    return this.incidents;
  }

  /** The card params of an incident as it is now (for a clicked card's update). */
  paramsFor(incident: Incident): Record<string, string> {
    return this.cards.paramsFor(incident);
  }

  /** The groups of every integration, paged (see {@link listTargetsAcross}). */
  async listTargets(opts: { query?: string; limit?: number; cursor?: string }) {
    return listTargetsAcross(this.ctx.notifier, opts);
  }

  async notify(req: ChannelNotifyRequest): Promise<ChannelDeliveryResult[]> {
    const { incident } = req;
    const results: ChannelDeliveryResult[] = [];
    const dests: Destination[] = [];
    for (const t of req.targets) {
      const integrationId =
        t.integrationId ?? (await defaultIntegration(this.ctx))?.id;
      if (!integrationId) {
        results.push({
          target: t.id,
          outcome: 'failed',
          detail: 'no DingTalk integration for this target',
        });
        continue;
      }
      dests.push({ integrationId, group: t.id });
    }
    if (req.users.length) {
      const integration = await defaultIntegration(this.ctx);
      if (!integration) {
        for (const user of req.users)
          results.push({
            target: user,
            user,
            outcome: 'failed',
            detail: 'no DingTalk integration',
          });
      } else {
        for (const user of req.users)
          dests.push({ integrationId: integration.id, user });
      }
    }

    for (const dest of dests) {
      // Already has this incident's card: update it rather than repeat it.
      const updated = await this.cards.updateExisting(
        incident,
        dest,
        req.signal,
      );
      if (updated) {
        results.push(updated);
        continue;
      }
      if (!(await this.digests.admit(incident, dest))) {
        results.push(
          result(
            dest,
            'aggregated',
            'alert storm or low quota: merged into the next DingTalk digest card',
          ),
        );
        continue;
      }
      const sent = await this.cards.send(incident, dest, req.signal);
      if (
        sent.outcome === 'flow controlled' &&
        dest.group &&
        isDingtalkGroupThrottled(sent.detail)
      ) {
        // DingTalk refuses the robot in this group for minutes (130101): the
        // card goes out in the group's digest after the throttle, so the step
        // is not run again into the same refusal.
        await this.digests.deferThrottled(incident, dest);
        results.push(
          result(
            dest,
            'flow controlled',
            `${sent.detail}; DingTalk throttles the robot in this group: merged into its next digest card, sent after the throttle`,
          ),
        );
        continue;
      }
      results.push(sent);
    }
    return results;
  }

  async update(req: {
    incident: Incident;
    change: IncidentChange;
  }): Promise<void> {
    await this.cards.updateAll(req.incident);
  }

  /** The incident's operation records on the DingTalk page (see {@link deliveryLinks}). */
  async deliveryLinks(req: {
    incident: Incident;
  }): Promise<OncallDeliveryLink[]> {
    return deliveryLinks(this.ctx, req.incident);
  }

  /** Sends every waiting digest card (the scheduled flush task). */
  async flushDigests(): Promise<void> {
    await this.digests.flush();
  }

  /** "Create war room" on an incident (see {@link WarRooms.create}). */
  createWarRoom(incidentId: string, actor: string) {
    return this.rooms.create(incidentId, actor);
  }

  /** A war room opened elsewhere joins the incident (see {@link WarRooms.adopt}). */
  adoptWarRoom(
    incidentId: string,
    room: { integrationId?: string; openConversationId: string; url?: string },
    actor: string,
  ) {
    return this.rooms.adopt(incidentId, room, actor);
  }
}
