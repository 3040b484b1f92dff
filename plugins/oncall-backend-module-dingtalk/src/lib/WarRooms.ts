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

import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { DingtalkMessage } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { incidentCard } from './cards';
import { CardsStore } from './CardsStore';
import { defaultIntegration, type ChannelContext } from './context';
import { CARD_ACTION_PATH, destKey, hash } from './destinations';
import { WarRoomsStore } from './WarRoomsStore';
import { dingtalkGroupLink } from './groupLinks';

/**
 * War rooms of incidents: a DingTalk scene group from the integration's
 * template with the responders, whose group bot posts the incident card; the
 * room is recorded on the incident, in its timeline and on its cards.
 */
export class WarRooms {
  private readonly rooms: WarRoomsStore;
  private readonly cards: CardsStore;

  constructor(
    private readonly ctx: ChannelContext,
    /** Brings every card of the incident up to date (with the room's link). */
    private readonly refreshCards: (incident: Incident) => Promise<void>,
  ) {
    this.rooms = new WarRoomsStore(ctx.db);
    this.cards = new CardsStore(ctx.db);
  }

  /** "Create war room" on an incident: a scene group from the template, with the incident card posted by its bot. */
  async create(
    incidentId: string,
    actor: string,
  ): Promise<{ openConversationId: string; url: string; notFound: string[] }> {
    const existing = await this.rooms.find(incidentId);
    if (existing)
      return {
        openConversationId: existing.open_conversation_id,
        url: existing.url,
        notFound: [],
      };
    const incident = await this.ctx.incidents()?.get(incidentId);
    if (!incident) throw new NotFoundError(`No incident ${incidentId}`);
    const integration = await defaultIntegration(this.ctx);
    if (!integration)
      throw new InputError(
        'No DingTalk integration: add one on the DingTalk page first',
      );
    const card = this.card(incident);
    const room = await this.ctx.notifier.createWarRoom({
      integrationId: integration.id,
      title: card.title,
      ownerUserEntityRef: actor,
      members: {
        userEntityRefs: [
          ...new Set([
            ...incident.responders,
            ...(incident.assignee ? [incident.assignee] : []),
          ]),
        ].filter(r => r !== actor),
      },
      uuid: `oncall-warroom-${incidentId}`,
      reference: incidentId,
      // The group bot posts the incident card itself: its buttons act on the
      // incident from inside the war room, like every other card of it.
      message: card,
    });
    const notFound = room.notFound.map(
      n => `${n.userEntityRef ?? n.mobile}: ${n.reason ?? 'not found'}`,
    );
    await this.record(
      incident,
      { ...room, integrationId: integration.id },
      actor,
      notFound,
    );
    return {
      openConversationId: room.openConversationId,
      url: room.url,
      notFound,
    };
  }

  /**
   * A war room someone else opened (e.g. the DingTalk scaffolder template)
   * becomes the incident's: its group bot posts the incident card, and the
   * incident records the room. Safe to repeat: the card is posted once.
   */
  async adopt(
    incidentId: string,
    room: { integrationId?: string; openConversationId: string; url?: string },
    actor: string,
  ): Promise<{
    openConversationId: string;
    url: string;
    cardOutTrackId?: string;
  }> {
    const incident = await this.ctx.incidents()?.get(incidentId);
    if (!incident) throw new NotFoundError(`No incident ${incidentId}`);
    const integration = room.integrationId
      ? { id: room.integrationId }
      : await defaultIntegration(this.ctx);
    if (!integration)
      throw new InputError(
        'No DingTalk integration: add one on the DingTalk page first',
      );
    // Only a group of this integration: else the bot would post the incident
    // card into any group the caller names.
    const group = await this.ctx.notifier.findGroup({
      integrationId: integration.id,
      openConversationId: room.openConversationId,
    });
    if (!group)
      throw new NotAllowedError(
        `Group ${room.openConversationId} does not belong to the DingTalk integration '${integration.id}' ` +
          "(neither a group with the app installed nor a war room of the integration's template); it cannot become the incident's war room",
      );
    const target = destKey({
      integrationId: integration.id,
      group: room.openConversationId,
    });
    // Made from the group's id, not taken from the caller: see dingtalkGroupLink.
    const url = dingtalkGroupLink(room.openConversationId);
    const posted = await this.cards.find(incidentId, target);
    if (posted)
      return {
        openConversationId: room.openConversationId,
        url,
        cardOutTrackId: posted.out_track_id,
      };
    const { cardOutTrackId } = await this.ctx.notifier.postToWarRoom({
      integrationId: integration.id,
      openConversationId: room.openConversationId,
      reference: incidentId,
      message: this.card(incident),
    });
    await this.record(
      incident,
      {
        integrationId: integration.id,
        openConversationId: room.openConversationId,
        url,
        cardOutTrackId,
      },
      actor,
      [],
    );
    return { openConversationId: room.openConversationId, url, cardOutTrackId };
  }

  private card(incident: Incident): DingtalkMessage & { type: 'card' } {
    const card = incidentCard({
      incident,
      appBaseUrl: this.ctx.appBaseUrl,
      allowedLinkHosts: this.ctx.allowedLinkHosts,
      template: this.ctx.template,
      mentions: incident.responders,
    });
    return {
      type: 'card',
      outTrackId: `oncall-${incident.id}-${hash('warroom')}`,
      title: card.title,
      markdown: card.markdown,
      cardParamMap: card.cardParamMap,
      actions: card.actions,
      callback: { pluginId: 'oncall', path: CARD_ACTION_PATH },
    };
  }

  /** The war room goes on the incident: its table, its cards (updated in place from now on) and its timeline. */
  private async record(
    incident: Incident,
    room: {
      integrationId: string;
      openConversationId: string;
      url: string;
      cardOutTrackId?: string;
    },
    actor: string,
    notFound: string[],
  ) {
    const at = new Date().toISOString();
    // The first war room stays the incident's link; a later one is still in its timeline.
    await this.rooms.add({
      incident_id: incident.id,
      open_conversation_id: room.openConversationId,
      url: room.url,
      created_by: actor,
      created_at: at,
    });
    if (room.cardOutTrackId) {
      // Kept with the incident's other cards, so it is updated in place when
      // the incident changes, and later steps to this group update it.
      await this.cards.add({
        incident_id: incident.id,
        target: destKey({
          integrationId: room.integrationId,
          group: room.openConversationId,
        }),
        out_track_id: room.cardOutTrackId,
        integration_id: room.integrationId,
        created_at: at,
      });
    }
    await this.ctx.incidents()?.recordTimeline(incident.id, {
      type: 'channel',
      actor,
      message: `DingTalk war room created: ${room.url}${
        notFound.length ? ` (not invited: ${notFound.join(', ')})` : ''
      }`,
      data: {
        channel: 'dingtalk',
        warRoom: room.openConversationId,
        url: room.url,
      },
    });
    await this.refreshCards(incident);
  }
}
