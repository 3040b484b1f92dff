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

import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  Notification,
  NotificationPayload,
} from '@backstage/plugin-notifications-common';
import type {
  NotificationProcessor,
  NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
import {
  DingtalkLinkPolicy,
  escapeDingtalkMarkdown,
  type DingtalkNotifierService,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import pThrottle from 'p-throttle';

/** Entities whose notifications also go to a DingTalk group chat: `[integrationId/]openConversationId`. @public */
export const ANNOTATION_DINGTALK_CHAT = 'dingtalk.com/chat';

const SEVERITY = {
  critical: '🔴 Critical',
  high: '🟠 High',
  normal: '🔵 Normal',
  low: '⚪ Low',
} as const;

/**
 * Sends Backstage notifications to DingTalk: to the linked person for user
 * recipients, to the group chat named by an entity's `dingtalk.com/chat`
 * annotation for entity recipients. A notification with the same scope as an
 * earlier one updates that card instead of posting a new one.
 * @public
 */
export class DingtalkNotificationProcessor implements NotificationProcessor {
  private readonly send: (fn: () => Promise<void>) => Promise<void>;
  private readonly links: DingtalkLinkPolicy;

  constructor(
    private readonly deps: {
      notifier: DingtalkNotifierService;
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      db: Knex;
      appBaseUrl: string;
      integrationId?: string;
      throttle?: { limit: number; intervalMs: number };
      /** Hosts besides the app that a notification's link may point to. */
      allowedLinkHosts?: string[];
    },
  ) {
    this.links = new DingtalkLinkPolicy({
      baseUrl: deps.appBaseUrl,
      allowedHosts: deps.allowedLinkHosts,
    });
    // Smooths bursts from one backend; the cluster-wide QPS limit is kept by
    // the dingtalk backend, which every send goes through.
    const throttle = pThrottle({
      limit: deps.throttle?.limit ?? 10,
      interval: deps.throttle?.intervalMs ?? 1000,
    });
    this.send = throttle((fn: () => Promise<void>) => fn());
  }

  getName(): string {
    return 'DingTalk';
  }

  /** Entity recipients that name a group chat get one group message each. */
  async processOptions(
    options: NotificationSendOptions,
  ): Promise<NotificationSendOptions> {
    if (options.recipients.type !== 'entity') return options;
    const refs = [options.recipients.entityRef]
      .flat()
      .filter(r => parseEntityRef(r).kind.toLowerCase() !== 'user');
    if (!refs.length) return options;
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const { items } = await this.deps.catalog.getEntitiesByRefs(
      { entityRefs: refs, fields: ['kind', 'metadata'] },
      { credentials },
    );
    for (const entity of items) {
      const chat = entity?.metadata.annotations?.[ANNOTATION_DINGTALK_CHAT];
      if (!chat) continue;
      const [integrationId, openConversationId] = chat.includes('/')
        ? chat.split('/', 2)
        : [this.deps.integrationId, chat];
      await this.deliver(
        options.payload,
        { integrationId, groups: [openConversationId] },
        `${stringifyEntityRef(entity!)}`,
      ).catch(e =>
        this.deps.logger.warn(`DingTalk notification to ${chat} failed: ${e}`),
      );
    }
    return options;
  }

  /** User recipients named explicitly get a direct message. */
  async postProcess(
    notification: Notification,
    options: NotificationSendOptions,
  ): Promise<void> {
    if (!notification.user || options.recipients.type !== 'entity') return;
    const explicit = [options.recipients.entityRef]
      .flat()
      .map(r => stringifyEntityRef(parseEntityRef(r)));
    // A user who only got this through a group is reached in the group chat.
    if (!explicit.includes(notification.user)) return;
    await this.deliver(
      notification.payload,
      { integrationId: this.deps.integrationId, users: [notification.user] },
      notification.user,
    ).catch(e =>
      this.deps.logger.warn(
        `DingTalk notification to ${notification.user} failed: ${e}`,
      ),
    );
  }

  private async deliver(
    payload: NotificationPayload,
    to: { integrationId?: string; users?: string[]; groups?: string[] },
    recipient: string,
  ) {
    const outTrackId = `notification-${createHash('sha256')
      .update(`${payload.scope ?? payload.title}|${recipient}`)
      .digest('hex')
      .slice(0, 32)}`;
    const severity = SEVERITY[payload.severity ?? 'normal'];
    // Any plugin can send a notification, with text from anywhere (an alert,
    // a build log): it is escaped so that it renders as text, and the card
    // links only to Backstage and the allowed hosts.
    const link = this.links.filter(
      resolveLink(payload.link, this.deps.appBaseUrl),
    );
    const title = escapeDingtalkMarkdown(payload.title, this.links);
    const markdown = [
      `**${severity}**`,
      escapeDingtalkMarkdown(payload.description ?? '', this.links),
      link ? `[Open in Backstage](${link})` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    const cardParamMap = {
      title,
      markdown,
      severity: payload.severity ?? 'normal',
      link: link ?? '',
    };
    await this.send(async () => {
      const earlier = payload.scope
        ? await this.deps
            .db('notifications_dingtalk_cards')
            .where({ out_track_id: outTrackId })
            .first()
        : undefined;
      if (earlier) {
        await this.deps.notifier.updateCard({
          integrationId: earlier.integration_id ?? to.integrationId,
          outTrackId,
          cardParamMap,
        });
        return;
      }
      const { results } = await this.deps.notifier.send({
        ...to,
        reference: payload.scope
          ? `notification:${payload.scope}`
          : 'notification',
        message: {
          type: 'card',
          outTrackId,
          title,
          markdown,
          cardParamMap,
          actions: link ? [{ id: 'open', label: 'Open', url: link }] : [],
        },
      });
      if (results.some(r => r.outcome === 'sent')) {
        await this.deps
          .db('notifications_dingtalk_cards')
          .insert({
            out_track_id: outTrackId,
            integration_id: results[0].integrationId,
            sent_at: new Date().toISOString(),
          })
          .onConflict('out_track_id')
          .ignore();
      }
    });
  }
}

function resolveLink(link: string | undefined, appBaseUrl: string) {
  if (!link) return undefined;
  try {
    return new URL(link, `${appBaseUrl.replace(/\/$/, '')}/`).toString();
  } catch {
    return undefined;
  }
}
