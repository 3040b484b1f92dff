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
import type { AuthService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  Incident,
  Severity,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type {
  OncallChatMessage,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { OncallStores } from '../database';
import type { IncidentService } from './IncidentService';
import { normalizeRef } from './refs';

/** Longest chat message kept in the timeline; the rest is cut with an ellipsis. */
export const DEFAULT_CHAT_MESSAGE_MAX_CHARS = 2000;

/**
 * What chat channels may do beyond card buttons (contract 2 of
 * docs/DESIGN.md): notes, hand-over, escalation, listing, declaring and
 * recording chat messages. Unauthorised as it stands; the host wraps it in
 * auditedActions, which decides who may act (IncidentAccess).
 */
export class IncidentChat implements OncallIncidentActions {
  readonly #incidents: IncidentService;
  readonly #stores: OncallStores;
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;
  readonly #maxChars: number;

  constructor(options: {
    incidents: IncidentService;
    stores: OncallStores;
    catalog: CatalogService;
    auth: AuthService;
    maxMessageChars?: number;
  }) {
    this.#incidents = options.incidents;
    this.#stores = options.stores;
    this.#catalog = options.catalog;
    this.#auth = options.auth;
    this.#maxChars = options.maxMessageChars ?? DEFAULT_CHAT_MESSAGE_MAX_CHARS;
  }

  acknowledge = (id: string, actor: string) =>
    this.#incidents.acknowledge(id, actor);
  resolve = (id: string, actor: string) => this.#incidents.resolve(id, actor);
  snooze = (id: string, actor: string, minutes: number) =>
    this.#incidents.snooze(id, actor, minutes);
  comment = (id: string, actor: string, text: string) =>
    this.#incidents.comment(id, actor, text);
  recordTimeline: OncallIncidentActions['recordTimeline'] = (id, entry) =>
    this.#incidents.recordTimeline(id, entry);
  get = (id: string) => this.#incidents.get(id);
  timeline = async (id: string) =>
    (await this.#incidents.getWithTimeline(id)).timeline ?? [];

  note(id: string, actor: string, text: string): Promise<Incident> {
    const trimmed = text.trim();
    if (!trimmed) throw new InputError('A note needs some text');
    return this.#incidents.comment(id, actor, this.#cut(trimmed), {
      type: 'note',
      via: 'chat',
    });
  }

  assign(id: string, actor: string, assignee: string): Promise<Incident> {
    return this.#incidents.reassign(
      id,
      actor,
      normalizeRef(assignee, 'assignee', 'user'),
    );
  }

  async escalate(id: string, actor: string): Promise<Incident> {
    const incident = await this.#incidents.get(id);
    if (!incident) throw new NotFoundError(`Incident ${id} not found`);
    if (incident.status === 'resolved') {
      throw new ConflictError(
        `Incident ${id} is resolved; nothing to escalate`,
      );
    }
    const now = this.#incidents.now();
    const advanced = await this.#stores.db.transaction(async tx => {
      if (!(await this.#stores.escalations.advance(id, now, tx))) return false;
      await this.#stores.incidents.addTimeline(
        id,
        [
          {
            type: 'escalation',
            message: `Escalated to the next step by ${actor}`,
            actor,
            data: { via: 'chat' },
          },
        ],
        now,
        tx,
      );
      return true;
    });
    if (!advanced) {
      throw new ConflictError(
        `Incident ${id} has no escalation running (no rule, every step done, or stopped by an acknowledgement); assign someone instead`,
      );
    }
    this.#incidents.kickEngine();
    return (await this.#incidents.get(id))!;
  }

  async listOpenFor(actor: string, limit = 10): Promise<Incident[]> {
    const ref = normalizeRef(actor, 'user', 'user');
    const { items } = await this.#incidents.list({
      status: ['triggered', 'acknowledged'],
      responder: ref,
      limit,
    });
    return items;
  }

  async declare(
    req: { serviceRef: string; title: string; severity?: Severity },
    actor: string,
  ): Promise<Incident> {
    const serviceRef = normalizeRef(req.serviceRef, 'service', 'component');
    const title = req.title.trim();
    if (!title) throw new InputError('An incident needs a title');
    const entity = await this.#catalog.getEntityByRef(serviceRef, {
      credentials: await this.#auth.getOwnServiceCredentials(),
    });
    if (!entity) {
      throw new NotFoundError(
        `There is no service ${serviceRef} in the catalog`,
      );
    }
    const incident = await this.#incidents.create(
      {
        title: this.#cut(title, 200),
        severity: req.severity ?? 'critical',
        serviceRef,
      },
      actor,
    );
    return incident;
  }

  async recordMessage(id: string, message: OncallChatMessage): Promise<void> {
    const text = this.#cut(message.text);
    const who = message.sender ?? message.senderName ?? 'someone';
    await this.#incidents.recordTimeline(id, {
      type: 'chat-message',
      actor: message.sender,
      message: `${
        message.keyEvent ? 'Key event from' : 'Message from'
      } ${who}: ${text}`,
      data: {
        channel: message.channel,
        sender: message.sender,
        senderName: message.senderName,
        text,
        truncated:
          message.truncated === true || text.length < message.text.length,
        link: message.link,
        keyEvent: message.keyEvent ?? false,
        sentAt: message.sentAt,
        messageId: message.messageId,
      },
    });
  }

  #cut(text: string, max = this.#maxChars): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }
}
