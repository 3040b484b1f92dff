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
import type {
  DingtalkRobotMessageEvent,
  DingtalkRobotReplyRequest,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { OncallIncidentActions } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { ConversationIncidents } from './ConversationIncidents';
import { parseCommand, type ChatCommand } from './parseCommand';
import { HELP, incidentLine, incidentLink, who } from './replies';
import { dingtalkGroupLink } from '../lib/groupLinks';

/** Whether war-room messages go into incident timelines, per integration. */
export interface WarRoomTimelineOptions {
  /** Default for every integration (true). */
  enabled: boolean;
  /** Per integration id, overriding `enabled`. */
  integrations: Record<string, boolean>;
  /** Longest message recorded, in characters; longer ones are cut. */
  maxMessageChars: number;
}

/**
 * Changes a command is about to make, so that the war-room echo of
 * Backstage changes does not repeat what the command's reply already says.
 */
export interface EchoSuppressor {
  suppress(incidentId: string, change: string): void;
}

type Actions = OncallIncidentActions;

/**
 * Robot messages from DingTalk: commands to the robot (in a group, a war
 * room or a one-to-one chat) run as the sender's linked Backstage user
 * through the host's incident actions, which authorise them exactly like
 * card clicks; the answer goes back into the chat. Other war-room messages
 * are recorded in the incident's timeline.
 */
export class ChatCommands {
  constructor(
    private readonly deps: {
      notifier: DingtalkNotifierService;
      conversations: ConversationIncidents;
      actions: () => Actions | undefined;
      echo: EchoSuppressor;
      logger: LoggerService;
      appBaseUrl: string;
      timeline: WarRoomTimelineOptions;
    },
  ) {}

  async handle(event: DingtalkRobotMessageEvent): Promise<void> {
    const actions = this.deps.actions();
    if (!actions) return;
    const room =
      event.conversation.type === 'group'
        ? await this.deps.conversations.warRoomIncident(
            event.conversation.openConversationId,
          )
        : undefined;
    if (!event.mentionedRobot) {
      if (room) await this.#record(actions, event, room, false);
      return;
    }
    const command = parseCommand(event.text);
    // "@bot can someone check the DB?" in a war room is conversation too
    if (room && command.kind === 'unknown') {
      await this.#record(actions, event, room, false);
    }
    const reply = await this.#run(actions, event, command, room).catch(
      (e: Error) => {
        // e.g. NotAllowedError (not a responder/owner), ConflictError
        // (already acknowledged), NotFoundError: the reason is the answer.
        this.deps.logger.info(
          `DingTalk chat command ${command.kind} from ${event.sender.dingtalkUserId} refused: ${e.message}`,
        );
        return `${e.message}`;
      },
    );
    if (reply) await this.#reply(event, reply);
  }

  async #run(
    actions: Actions,
    event: DingtalkRobotMessageEvent,
    command: ChatCommand,
    room: string | undefined,
  ): Promise<string | undefined> {
    const base = this.deps.appBaseUrl;
    switch (command.kind) {
      case 'help':
        return HELP;
      case 'unknown':
        return `I do not know "${command.word}".\n${HELP}`;
      case 'invalid':
        return command.reason;
      default:
    }
    const actor = event.sender.userEntityRef;
    if (!actor) {
      const id = 'incidentId' in command ? command.incidentId ?? room : room;
      if (id) {
        await actions
          .recordTimeline(id, {
            type: 'channel',
            message: `DingTalk user ${
              event.sender.name ?? event.sender.dingtalkUserId
            } asked "${
              command.kind
            }" in a chat but has not linked a Backstage account; nothing changed`,
            data: {
              channel: 'dingtalk',
              dingtalkUserId: event.sender.dingtalkUserId,
              action: command.kind,
              refused: true,
            },
          })
          .catch(() => undefined);
      }
      const home = await this.#homepage(event.integrationId);
      return `${
        event.sender.name ?? 'You'
      }: your DingTalk account is not linked to a Backstage user, so I cannot act for you; nothing was changed. Link it first${
        home ? `: open ${home}` : ' (open the app from the DingTalk workbench)'
      }.`;
    }
    if (command.kind === 'mine') {
      const open = await actions.listOpenFor(actor, 10);
      if (open.length === 0)
        return `${who(actor)}: no open incidents of yours.`;
      return [
        `${who(actor)}: your open incidents (${open.length}):`,
        ...open.map(i => `- ${incidentLine(i, base)}`),
      ].join('\n');
    }
    if (command.kind === 'declare') {
      const incident = await actions.declare(
        { serviceRef: command.service, title: command.title },
        actor,
      );
      return `Declared ${incidentLine(incident, base)} Escalation has started.`;
    }
    const id =
      command.incidentId ?? room ?? (await this.#lastCard(event, actor));
    if (!id) {
      return `Which incident? This chat has no incident card yet: add the incident id (e.g. "${command.kind} 0f8f…") or use a war room.`;
    }
    const incident = await actions.get(id);
    if (!incident) return `There is no incident ${id}.`;
    const done = (verb: string, i: Incident) =>
      `${verb} by ${who(actor)}: ${incidentLine(i, base)}`;
    switch (command.kind) {
      case 'status':
        return incidentLine(incident, base);
      case 'ack':
        this.deps.echo.suppress(id, 'acknowledged');
        return done('Acknowledged', await actions.acknowledge(id, actor));
      case 'resolve':
        // the resolve summary is still posted into the war room
        return done('Resolved', await actions.resolve(id, actor));
      case 'snooze':
        this.deps.echo.suppress(id, 'snoozed');
        return done(
          `Snoozed for ${command.minutes} min`,
          await actions.snooze(id, actor, command.minutes),
        );
      case 'note':
        this.deps.echo.suppress(id, 'commented');
        await actions.note(id, actor, this.#cut(command.text));
        return `Note added to "${incident.title}" by ${who(actor)}.`;
      case 'key':
        await actions.recordMessage(id, {
          ...this.#message(event, room),
          text: this.#cut(command.text),
          keyEvent: true,
        });
        return `Key event recorded on "${incident.title}".`;
      case 'assign': {
        const target = event.mentions[0];
        if (!target) return 'Whom to? Mention the person: "assign @name".';
        if (!target.userEntityRef) {
          return `That person's DingTalk account is not linked to a Backstage user; nothing was changed.`;
        }
        this.deps.echo.suppress(id, 'reassigned');
        return done(
          `Handed over to ${who(target.userEntityRef)}`,
          await actions.assign(id, actor, target.userEntityRef),
        );
      }
      case 'escalate':
        await actions.escalate(id, actor);
        return `Escalated "${incident.title}" to the next step (${who(
          actor,
        )}). ${incidentLink(base, id)}`;
      default:
        return undefined;
    }
  }

  async #record(
    actions: Actions,
    event: DingtalkRobotMessageEvent,
    incidentId: string,
    keyEvent: boolean,
  ) {
    const t = this.deps.timeline;
    const on = t.integrations[event.integrationId] ?? t.enabled;
    if (!on || !event.text) return;
    const text = this.#cut(event.text);
    await actions.recordMessage(incidentId, {
      ...this.#message(event, incidentId),
      text,
      keyEvent,
      truncated: text.length < event.text.length,
    });
  }

  #message(event: DingtalkRobotMessageEvent, room: string | undefined) {
    return {
      channel: 'dingtalk',
      sender: event.sender.userEntityRef ?? undefined,
      senderName: event.sender.name ?? event.sender.dingtalkUserId,
      text: event.text,
      link:
        room && event.conversation.type === 'group'
          ? dingtalkGroupLink(event.conversation.openConversationId)
          : undefined,
      sentAt: event.sentAt,
      messageId: event.messageId,
    };
  }

  #cut(text: string) {
    const max = this.deps.timeline.maxMessageChars;
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }

  async #lastCard(event: DingtalkRobotMessageEvent, actor: string) {
    return this.deps.conversations.lastCardIncident(
      event.conversation.type === 'group'
        ? {
            integrationId: event.integrationId,
            group: event.conversation.openConversationId,
          }
        : { integrationId: event.integrationId, user: actor },
    );
  }

  async #homepage(integrationId: string): Promise<string | undefined> {
    const all = await this.deps.notifier.listIntegrations().catch(() => []);
    return all.find(i => i.id === integrationId)?.urls.homepageUrl;
  }

  async #reply(event: DingtalkRobotMessageEvent, content: string) {
    const req: DingtalkRobotReplyRequest = {
      integrationId: event.integrationId,
      robot: event.robot,
      conversation: event.conversation,
      message: { type: 'text', content: content.slice(0, 5000) },
    };
    await this.deps.notifier
      .reply(req)
      .catch(e => this.deps.logger.warn(`Could not answer in DingTalk: ${e}`));
  }
}
