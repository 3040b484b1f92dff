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

import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type {
  DeliveryRecord,
  DingtalkIntegration,
  DingtalkMessage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type {
  ChannelDeliveryResult,
  ChannelNotifyRequest,
  ChannelTarget,
  IncidentChange,
  OncallChannel,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { digestCard, incidentCard } from './cards';

/** Where card button clicks come back to: this module's route in the oncall plugin. */
export const CARD_ACTION_PATH = '/dingtalk/card-actions';

/** Digest cards sent at once when digests are flushed. */
const DIGEST_FLUSH_CONCURRENCY = 6;

export interface AggregationOptions {
  /** More cards than this to one integration within a minute is a storm. */
  maxCardsPerMinute: number;
  /** Below this share of the monthly quota left, every target gets digests. */
  minQuotaShare: number;
  /** How long incidents are collected into one digest card. */
  digestSeconds: number;
}

type Destination = { integrationId: string; group?: string; user?: string };

/**
 * DingTalk as an on-call channel: incidents go out as interactive cards to
 * group chats and to linked people, cards are updated in place when the
 * incident changes, and during an alert storm (or when the monthly quota runs
 * low) incidents are merged into digest cards instead of one card each.
 */
export class DingtalkChannel implements OncallChannel {
  readonly id = 'dingtalk';
  readonly title = 'DingTalk';
  private incidents?: OncallIncidentActions;
  private readonly sentAt = new Map<string, number[]>();
  private readonly digests = new Map<
    string,
    { dest: Destination; incidents: Incident[] }
  >();
  private usageCache = new Map<string, { at: number; share: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      notifier: DingtalkNotifierService;
      db: Knex;
      logger: LoggerService;
      appBaseUrl: string;
      /** Hosts besides the app that links in alert text may point to. */
      allowedLinkHosts?: string[];
      template?: string;
      defaultIntegrationId?: string;
      aggregation: AggregationOptions;
      now?: () => number;
    },
  ) {}

  bind(ctx: { incidents: OncallIncidentActions }) {
    this.incidents = ctx.incidents;
  }

  get actions() {
    return this.incidents;
  }

  /** The card params of an incident as it is now (for a clicked card's update). */
  paramsFor(incident: Incident): Record<string, string> {
    return incidentCard({
      incident,
      appBaseUrl: this.deps.appBaseUrl,
      allowedLinkHosts: this.deps.allowedLinkHosts,
      template: this.deps.template,
    }).cardParamMap;
  }

  start() {
    this.timer = setInterval(
      () => void this.flushDigests(),
      this.deps.aggregation.digestSeconds * 1000,
    );
    this.timer.unref?.();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.flushDigests();
  }

  async listTargets(opts: { query?: string; limit?: number; cursor?: string }) {
    const integrations = await this.deps.notifier.listIntegrations();
    const items: ChannelTarget[] = [];
    for (const integration of integrations) {
      const { items: groups } = await this.deps.notifier.listGroups({
        integrationId: integration.id,
        q: opts.query,
        limit: opts.limit ?? 50,
      });
      for (const g of groups) {
        items.push({
          id: g.openConversationId,
          title: g.title,
          integrationId: integration.id,
          description: integration.name,
          available: g.installed,
        });
      }
    }
    return { items: items.slice(0, opts.limit ?? 50) };
  }

  async notify(req: ChannelNotifyRequest): Promise<ChannelDeliveryResult[]> {
    const { incident } = req;
    const results: ChannelDeliveryResult[] = [];
    const dests: Destination[] = [];
    for (const t of req.targets) {
      const integrationId =
        t.integrationId ?? (await this.defaultIntegration())?.id;
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
      const integration = await this.defaultIntegration();
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
      const key = destKey(dest);
      const existing = await this.deps
        .db('oncall_dingtalk_cards')
        .where({ incident_id: incident.id, target: key })
        .first();
      if (existing) {
        // Already has this incident's card: update it rather than repeat it.
        try {
          await this.deps.notifier.updateCard({
            integrationId: dest.integrationId,
            outTrackId: existing.out_track_id,
            cardParamMap: (await this.card(incident, dest)).cardParamMap,
          });
          results.push(
            result(
              dest,
              'updated',
              `card ${existing.out_track_id} updated in place`,
            ),
          );
        } catch (e) {
          results.push(result(dest, 'failed', String((e as Error).message)));
        }
        continue;
      }
      if (await this.shouldAggregate(dest.integrationId)) {
        const digest = this.digests.get(key) ?? { dest, incidents: [] };
        digest.incidents.push(incident);
        this.digests.set(key, digest);
        results.push(
          result(
            dest,
            'aggregated',
            'alert storm or low quota: merged into the next DingTalk digest card',
          ),
        );
        continue;
      }
      results.push(...(await this.sendCard(incident, dest)));
    }
    return results;
  }

  async update(req: {
    incident: Incident;
    change: IncidentChange;
  }): Promise<void> {
    const rows = await this.deps
      .db('oncall_dingtalk_cards')
      .where({ incident_id: req.incident.id });
    for (const row of rows) {
      const dest = parseDestKey(row.target, row.integration_id);
      const card = await this.card(req.incident, dest);
      await this.deps.notifier.updateCard({
        integrationId: row.integration_id ?? undefined,
        outTrackId: row.out_track_id,
        cardParamMap: card.cardParamMap,
      });
    }
  }

  /** Sends every pending digest card; nothing collected is dropped. */
  async flushDigests(): Promise<void> {
    const pending = [...this.digests.values()];
    this.digests.clear();
    // A few digests at a time. One after the other, each digest's round trip
    // and its timeline writes (one per merged incident) held a storm's flush
    // far below the app's QPS (bench/storm.ts); the shared rate limiter still
    // keeps the calls within the limit.
    let next = 0;
    await Promise.all(
      Array.from(
        { length: Math.min(DIGEST_FLUSH_CONCURRENCY, pending.length) },
        async () => {
          while (next < pending.length) await this.sendDigest(pending[next++]);
        },
      ),
    );
  }

  private async sendDigest({
    dest,
    incidents,
  }: {
    dest: Destination;
    incidents: Incident[];
  }): Promise<void> {
    const card = digestCard(
      incidents,
      this.deps.appBaseUrl,
      this.deps.allowedLinkHosts,
    );
    const outTrackId = `oncall-digest-${hash(
      `${destKey(dest)}:${incidents.map(i => i.id).join(',')}`,
    )}`;
    let outcome = 'sent';
    let detail = '';
    try {
      const { results } = await this.deps.notifier.send({
        integrationId: dest.integrationId,
        reference: 'oncall-digest',
        users: dest.user ? [dest.user] : [],
        groups: dest.group ? [dest.group] : [],
        message: {
          type: 'card',
          outTrackId,
          title: card.title,
          markdown: card.markdown,
          cardParamMap: card.cardParamMap,
          actions: card.actions,
        },
      });
      outcome = results[0]?.outcome ?? 'failed';
      detail = results[0]?.error ?? '';
    } catch (e) {
      outcome = 'failed';
      detail = String((e as Error).message);
    }
    for (const incident of incidents) {
      await this.incidents
        ?.recordTimeline(incident.id, {
          type: 'notification',
          message: `DingTalk digest card with ${
            incidents.length
          } incidents to ${dest.group ?? dest.user}: ${outcome}${
            detail ? ` (${detail})` : ''
          }`,
          data: {
            channel: 'dingtalk',
            outcome,
            target: dest.group ?? dest.user,
            digest: outTrackId,
          },
        })
        .catch(e =>
          this.deps.logger.warn(
            `Could not record a digest in the timeline: ${e}`,
          ),
        );
    }
  }

  private async sendCard(
    incident: Incident,
    dest: Destination,
  ): Promise<ChannelDeliveryResult[]> {
    const card = await this.card(incident, dest);
    const outTrackId = `oncall-${incident.id}-${hash(destKey(dest))}`;
    let records: DeliveryRecord[];
    try {
      ({ results: records } = await this.deps.notifier.send({
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
      }));
    } catch (e) {
      return [result(dest, 'failed', String((e as Error).message))];
    }
    this.countSent(dest.integrationId);
    const outcome = records[0]?.outcome ?? 'failed';
    if (outcome === 'sent') {
      await this.deps
        .db('oncall_dingtalk_cards')
        .insert({
          incident_id: incident.id,
          target: destKey(dest),
          out_track_id: outTrackId,
          integration_id: dest.integrationId,
          created_at: new Date().toISOString(),
        })
        .onConflict(['incident_id', 'target'])
        .ignore();
    }
    const detail =
      [records[0]?.error, card.fallback].filter(Boolean).join('; ') ||
      undefined;
    return [result(dest, outcome, detail)];
  }

  private async card(incident: Incident, dest: Destination) {
    const room = await this.deps
      .db('oncall_dingtalk_warrooms')
      .where({ incident_id: incident.id })
      .first();
    return incidentCard({
      incident,
      appBaseUrl: this.deps.appBaseUrl,
      allowedLinkHosts: this.deps.allowedLinkHosts,
      template: this.deps.template,
      mentions: dest.group ? incident.responders : undefined,
      warRoomUrl: room?.url,
    });
  }

  /**
   * Opens the incident's war room (a DingTalk scene group from the
   * integration's template) with the responders, records it on the incident
   * and in its timeline, and adds its link to the incident's cards.
   */
  /** "Create war room" on an incident: a scene group from the template, with the incident card posted by its bot. */
  async createWarRoom(
    incidentId: string,
    actor: string,
  ): Promise<{ openConversationId: string; url: string; notFound: string[] }> {
    const existing = await this.deps
      .db('oncall_dingtalk_warrooms')
      .where({ incident_id: incidentId })
      .first();
    if (existing)
      return {
        openConversationId: existing.open_conversation_id,
        url: existing.url,
        notFound: [],
      };
    const incident = await this.incidents?.get(incidentId);
    if (!incident) throw new NotFoundError(`No incident ${incidentId}`);
    const integration = await this.defaultIntegration();
    if (!integration)
      throw new InputError(
        'No DingTalk integration: add one on the DingTalk page first',
      );
    const card = this.warRoomCard(incident);
    const room = await this.deps.notifier.createWarRoom({
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
    await this.recordWarRoom(
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
  async adoptWarRoom(
    incidentId: string,
    room: { integrationId?: string; openConversationId: string; url?: string },
    actor: string,
  ): Promise<{
    openConversationId: string;
    url: string;
    cardOutTrackId?: string;
  }> {
    const incident = await this.incidents?.get(incidentId);
    if (!incident) throw new NotFoundError(`No incident ${incidentId}`);
    const integration = room.integrationId
      ? { id: room.integrationId }
      : await this.defaultIntegration();
    if (!integration)
      throw new InputError(
        'No DingTalk integration: add one on the DingTalk page first',
      );
    // Only a group of this integration: else the bot would post the incident
    // card into any group the caller names.
    const group = await this.deps.notifier.findGroup({
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
    const url =
      room.url ??
      `dingtalk://dingtalkclient/page/link?openConversationId=${encodeURIComponent(
        room.openConversationId,
      )}`;
    const posted = await this.deps
      .db('oncall_dingtalk_cards')
      .where({ incident_id: incidentId, target })
      .first();
    if (posted)
      return {
        openConversationId: room.openConversationId,
        url,
        cardOutTrackId: posted.out_track_id,
      };
    const { cardOutTrackId } = await this.deps.notifier.postToWarRoom({
      integrationId: integration.id,
      openConversationId: room.openConversationId,
      reference: incidentId,
      message: this.warRoomCard(incident),
    });
    await this.recordWarRoom(
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

  private warRoomCard(incident: Incident): DingtalkMessage & { type: 'card' } {
    const card = incidentCard({
      incident,
      appBaseUrl: this.deps.appBaseUrl,
      allowedLinkHosts: this.deps.allowedLinkHosts,
      template: this.deps.template,
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
  private async recordWarRoom(
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
    await this.deps
      .db('oncall_dingtalk_warrooms')
      .insert({
        incident_id: incident.id,
        open_conversation_id: room.openConversationId,
        url: room.url,
        created_by: actor,
        created_at: at,
      })
      .onConflict('incident_id')
      .ignore();
    if (room.cardOutTrackId) {
      // Kept with the incident's other cards, so it is updated in place when
      // the incident changes, and later steps to this group update it.
      await this.deps
        .db('oncall_dingtalk_cards')
        .insert({
          incident_id: incident.id,
          target: destKey({
            integrationId: room.integrationId,
            group: room.openConversationId,
          }),
          out_track_id: room.cardOutTrackId,
          integration_id: room.integrationId,
          created_at: at,
        })
        .onConflict(['incident_id', 'target'])
        .ignore();
    }
    await this.incidents?.recordTimeline(incident.id, {
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
    await this.update({ incident, change: { type: 'commented', actor, at } });
  }

  /** DingTalk user ids of the responders, so the group card @-mentions them. */
  private async mentionIds(
    incident: Incident,
    integrationId: string,
  ): Promise<string[]> {
    if (!incident.responders.length) return [];
    try {
      const { users } = await this.deps.notifier.resolveUsers({
        integrationId,
        userEntityRefs: incident.responders,
      });
      return users.map(u => u.dingtalkUserId).filter((u): u is string => !!u);
    } catch {
      return [];
    }
  }

  private countSent(integrationId: string) {
    const now = this.now();
    const times = (this.sentAt.get(integrationId) ?? []).filter(
      t => now - t < 60_000,
    );
    times.push(now);
    this.sentAt.set(integrationId, times);
  }

  private async shouldAggregate(integrationId: string): Promise<boolean> {
    const now = this.now();
    const recent = (this.sentAt.get(integrationId) ?? []).filter(
      t => now - t < 60_000,
    ).length;
    if (recent >= this.deps.aggregation.maxCardsPerMinute) return true;
    const cached = this.usageCache.get(integrationId);
    let share = cached && now - cached.at < 10_000 ? cached.share : undefined;
    if (share === undefined) {
      try {
        const usage = await this.deps.notifier.usage(integrationId);
        share = 1 - usage.calls / usage.quota;
      } catch {
        share = 1;
      }
      this.usageCache.set(integrationId, { at: now, share });
    }
    return share < this.deps.aggregation.minQuotaShare;
  }

  private async defaultIntegration(): Promise<DingtalkIntegration | undefined> {
    const all = await this.deps.notifier.listIntegrations();
    return (
      all.find(i => i.id === this.deps.defaultIntegrationId) ??
      (all.length === 1 ? all[0] : undefined)
    );
  }

  private now() {
    return this.deps.now?.() ?? Date.now();
  }
}

function destKey(d: Destination) {
  return d.group
    ? `group:${d.integrationId}:${d.group}`
    : `user:${d.integrationId}:${d.user}`;
}

function parseDestKey(key: string, integrationId: string): Destination {
  const [kind, , ...rest] = key.split(':');
  const id = rest.join(':');
  return kind === 'group'
    ? { integrationId, group: id }
    : { integrationId, user: id };
}

function result(
  dest: Destination,
  outcome: string,
  detail?: string,
): ChannelDeliveryResult {
  return dest.user
    ? { target: dest.user, user: dest.user, outcome, detail }
    : { target: dest.group!, outcome, detail };
}

function hash(s: string) {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}
