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
import {
  DingtalkLinkPolicy,
  escapeDingtalkMarkdown,
  type DingtalkNotifierService,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type {
  Incident,
  TimelineEntry,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type {
  ChannelNotifyRequest,
  IncidentChange,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { ConversationIncidents } from './ConversationIncidents';
import type { EchoSuppressor } from './ChatCommands';
import { incidentLink, who } from './replies';

const SUPPRESS_MS = 30_000;

/**
 * The war room follows the incident: status changes, new assignees and
 * notes made in Backstage are posted into it (a change a chat command made
 * is not repeated: the command's reply said it), people paged by later
 * escalation steps are invited, and on resolve the room gets a summary with
 * a link to the incident page, whose post-incident report is exported there.
 * Posts go through the robot reply route: the limiter, the quota and the
 * per-conversation rate.
 */
export class WarRoomEcho implements EchoSuppressor {
  readonly #suppressed = new Map<string, number>();

  constructor(
    private readonly deps: {
      notifier: DingtalkNotifierService;
      conversations: ConversationIncidents;
      actions: () => OncallIncidentActions | undefined;
      logger: LoggerService;
      appBaseUrl: string;
      allowedLinkHosts?: string[];
      now?: () => number;
    },
  ) {}

  suppress(incidentId: string, change: string) {
    const now = this.#now();
    this.#suppressed.set(`${incidentId}|${change}`, now + SUPPRESS_MS);
    for (const [k, until] of this.#suppressed) {
      if (until < now) this.#suppressed.delete(k);
    }
  }

  /** After the channel updated its cards for a change. */
  async onChange(req: { incident: Incident; change: IncidentChange }) {
    const { incident, change } = req;
    const key = `${incident.id}|${change.type}`;
    const until = this.#suppressed.get(key);
    const suppressed = until !== undefined && until >= this.#now();
    if (suppressed) this.#suppressed.delete(key);
    const room = await this.deps.conversations.warRoomOf(incident.id);
    if (!room) return;
    if (change.type === 'resolved') {
      await this.#post(room, incident.id, await this.#summary(incident));
      return;
    }
    if (suppressed) return;
    if (change.type === 'commented' && change.data?.via === 'chat') return;
    const by = who(change.actor);
    let text: string | undefined;
    switch (change.type) {
      case 'acknowledged':
        text = `Acknowledged by ${by} in Backstage.`;
        break;
      case 'snoozed':
        text = `Snoozed for ${change.data?.minutes ?? '?'} min by ${by}.`;
        break;
      case 'reassigned': {
        const assignee = String(change.data?.assignee ?? '');
        text = `${who(assignee)} is now the assignee (by ${by}).`;
        await this.#invite(room, incident.id, [assignee]);
        break;
      }
      case 'commented':
        text = `Note from ${by}: ${String(change.data?.text ?? '')}`;
        break;
      default:
    }
    if (text)
      await this.#post(room, incident.id, { type: 'text', content: text });
  }

  /** After an escalation step paged people: those not in the room yet are invited. */
  async onNotify(req: ChannelNotifyRequest) {
    // The incident is the one from before this page: its responders joined
    // the room when it was made (its members) or were invited when they
    // became responders (an earlier step, or the reassign above). Paging
    // them again, e.g. a later step naming the same person, invites nobody.
    const known = new Set([
      ...req.incident.responders,
      ...(req.incident.assignee ? [req.incident.assignee] : []),
    ]);
    const users = [...new Set(req.users)].filter(u => !known.has(u));
    if (users.length === 0) return;
    const room = await this.deps.conversations.warRoomOf(req.incident.id);
    if (room) await this.#invite(room, req.incident.id, users);
  }

  async #summary(incident: Incident) {
    const timeline: TimelineEntry[] =
      (await this.deps
        .actions()
        ?.timeline(incident.id)
        .catch(() => [])) ?? [];
    const policy = new DingtalkLinkPolicy({
      baseUrl: this.deps.appBaseUrl,
      allowedHosts: this.deps.allowedLinkHosts,
    });
    const md = (s: string) => escapeDingtalkMarkdown(s, policy);
    const minutes = incident.resolvedAt
      ? Math.max(
          0,
          Math.round(
            (Date.parse(incident.resolvedAt) - Date.parse(incident.createdAt)) /
              60_000,
          ),
        )
      : 0;
    const highlights = timeline
      .filter(
        e =>
          e.type === 'note' ||
          (e.type === 'chat-message' && e.data?.keyEvent === true),
      )
      .slice(-8)
      .map(e => `- ${md(e.message)}`);
    const link = incidentLink(this.deps.appBaseUrl, incident.id);
    return {
      type: 'markdown' as const,
      title: `Resolved: ${incident.title}`.slice(0, 200),
      text: [
        `### Resolved: ${md(incident.title)}`,
        `- Duration: ${minutes} min`,
        `- Acknowledged by: ${md(who(incident.acknowledgedBy) ?? 'nobody')}`,
        `- Resolved by: ${md(who(incident.resolvedBy))}`,
        '',
        highlights.length ? '**Highlights**' : '',
        ...highlights,
        '',
        `[Incident and post-incident report](${link})`,
      ]
        .filter((l, i, all) => l !== '' || all[i - 1] !== '')
        .join('\n'),
    };
  }

  async #post(
    room: { openConversationId: string; integrationId?: string },
    reference: string,
    message:
      | { type: 'text'; content: string }
      | { type: 'markdown'; title: string; text: string },
  ) {
    const integrationId = room.integrationId ?? (await this.#integration());
    if (!integrationId) return;
    await this.deps.notifier
      .reply({
        integrationId,
        robot: 'war-room',
        conversation: {
          type: 'group',
          openConversationId: room.openConversationId,
        },
        message,
        reference,
      })
      .catch(e =>
        this.deps.logger.warn(`Could not post into the war room: ${e}`),
      );
  }

  async #invite(
    room: { openConversationId: string; integrationId?: string },
    incidentId: string,
    users: string[],
  ) {
    const integrationId = room.integrationId ?? (await this.#integration());
    if (!integrationId) return;
    await this.deps.notifier
      .inviteToWarRoom({
        integrationId,
        openConversationId: room.openConversationId,
        userEntityRefs: users,
      })
      .catch(e =>
        this.deps.logger.warn(
          `Could not invite ${users.join(
            ', ',
          )} to the war room of ${incidentId}: ${e}`,
        ),
      );
  }

  async #integration(): Promise<string | undefined> {
    const all = await this.deps.notifier.listIntegrations().catch(() => []);
    return all.length === 1 ? all[0].id : undefined;
  }

  #now() {
    return (this.deps.now ?? Date.now)();
  }
}
