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
import { createHash } from 'node:crypto';
import type { EventsStore } from '../database/EventsStore';
import type { GroupsStore } from '../database/GroupsStore';
import type { IntegrationRegistry } from './IntegrationRegistry';
import type { StoredIntegration } from '../database/IntegrationsStore';
import { containsNul } from '../lib/nul';
import { EventIngest } from './EventIngest';
import { contactEventOf } from './contactEvents';
import type { DingtalkContactEvent } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** The event types the plugin acts on; everything else is acknowledged and recorded. */
export const HANDLED_EVENTS = [
  'check_url',
  'chat_update_title',
  'im_cool_app_install',
  'im_cool_app_uninstall',
];

// DingTalk's HTTP push capitalises keys (EventType, OpenConversationId); the
// Stream mode and some docs use camelCase. Read both.
type FieldName = 'eventType' | 'openConversationId' | 'chatId' | 'title';
const CAPITALISED: Record<FieldName, string> = {
  eventType: 'EventType',
  openConversationId: 'OpenConversationId',
  chatId: 'ChatId',
  title: 'Title',
};
function field(
  event: Record<string, unknown>,
  name: FieldName,
): string | undefined {
  const key =
    event[name] !== undefined && event[name] !== null
      ? name
      : CAPITALISED[name];
  const value = event[key];
  if (value === undefined || value === null) return undefined;
  // String() made an object title "[object Object]"; DingTalk sends strings.
  // A SyntaxError is what both transports refuse as a malformed event.
  if (typeof value !== 'string')
    throw new SyntaxError(`the event's ${key} must be a string`);
  return value;
}

/**
 * Applies DingTalk events to the plugin's state, whatever transport brought
 * them (HTTP push or Stream mode). Each event is processed once: a retry or a
 * replay of the same event is recognised and changes nothing.
 */
export class EventProcessor {
  private readonly ingest: EventIngest;

  constructor(
    private readonly deps: {
      events: EventsStore;
      groups: GroupsStore;
      registry: IntegrationRegistry;
      logger: LoggerService;
      /** Address-book events go to the catalog's org provider (topic `dingtalk.contact`). */
      onContactEvent?: (event: DingtalkContactEvent) => Promise<void>;
    },
  ) {
    this.ingest = new EventIngest(deps);
  }

  /**
   * @param eventId - the transport's own id when it has one (Stream mode's
   *   eventId); otherwise the hash of the event's content is the key.
   */
  async process(
    integration: StoredIntegration,
    raw: string,
    opts: { eventId?: string; eventType?: string } = {},
  ): Promise<{ eventType: string; duplicate: boolean }> {
    const event = parseEvent(raw);
    // Clamped to its column (a longer one made PostgreSQL fail with a 500).
    const eventType = (
      opts.eventType ??
      field(event, 'eventType') ??
      'unknown'
    ).slice(0, 64);
    const key = createHash('sha256')
      .update(opts.eventId ?? raw)
      .digest('hex');
    const at = new Date().toISOString();
    const apply = this.plan(integration, eventType, event, at);
    // One write claims the event with its final status; a failure deletes the
    // claim again. (A separate "processing" row and a later update cost a
    // statement per event on the callback's hot path.) A duplicate that
    // arrives while the first copy is still being applied is acknowledged:
    // if the first copy then fails, its own request fails and DingTalk
    // retries that one.
    // Claims (and group renames) are written a batch at a time: two
    // statements for every push that arrives together (EventIngest).
    const claimed = await this.ingest.submit({
      integrationId: integration.id,
      eventKey: key,
      eventType,
      payload: raw,
      at,
      status: apply ? 'done' : 'ignored',
      rename: apply?.rename,
    });
    if (!claimed) return { eventType, duplicate: true };
    if (apply && !apply.rename) {
      try {
        await apply();
      } catch (e) {
        // Let DingTalk's retry (or the stream's re-delivery) try again.
        await this.deps.events.release(integration.id, key);
        throw e;
      }
    }
    return { eventType, duplicate: false };
  }

  /** What the event does, decided before anything is written; undefined: nothing (acknowledged and recorded). */
  private plan(
    i: StoredIntegration,
    type: string,
    event: Record<string, unknown>,
    at: string,
  ): Plan | undefined {
    // Ids longer than their columns are not DingTalk's: such an event is
    // acknowledged and ignored rather than failing in the database.
    const openConversationId = field(event, 'openConversationId');
    const chatId = field(event, 'chatId');
    if ((openConversationId?.length ?? 0) > 128 || (chatId?.length ?? 0) > 128)
      return undefined;
    const contact = contactEventOf(i, type, event);
    if (contact) {
      const publish = this.deps.onContactEvent;
      // Published once the event is claimed: a failure releases the claim and
      // DingTalk's retry publishes it again.
      return publish ? () => publish(contact) : undefined;
    }
    switch (type) {
      case 'check_url':
        return async () => {};
      case 'chat_update_title': {
        const title = clampTitle(field(event, 'title'));
        if (!title || (!openConversationId && !chatId)) return undefined;
        // By openConversationId (what DingTalk sends): written with the claim.
        if (openConversationId)
          return Object.assign(async () => {}, {
            rename: { openConversationId, title },
          });
        return () =>
          this.deps.groups.rename(
            i.id,
            { openConversationId, chatId },
            title,
            at,
          );
      }
      case 'im_cool_app_install': {
        if (!openConversationId) return undefined;
        return async () => {
          const title =
            clampTitle(field(event, 'title')) ||
            clampTitle(await this.lookupTitle(i, openConversationId)) ||
            openConversationId;
          await this.deps.groups.install(
            i.id,
            { openConversationId, title, chatId },
            at,
          );
          this.deps.logger.info('DingTalk Cool App installed in a group', {
            integration: i.id,
            openConversationId,
          });
        };
      }
      case 'im_cool_app_uninstall': {
        if (!openConversationId) return undefined;
        return () => this.deps.groups.uninstall(i.id, openConversationId, at);
      }
      default:
        this.deps.logger.info(
          'DingTalk event received and acknowledged without action',
          { integration: i.id, type },
        );
        return undefined;
    }
  }

  /** The install event carries no title: ask DingTalk, but never fail the event for it. */
  private async lookupTitle(
    i: StoredIntegration,
    openConversationId: string,
  ): Promise<string> {
    try {
      return (await this.deps.registry.client(i).queryGroup(openConversationId))
        .title;
    } catch (e) {
      this.deps.logger.warn(
        `Could not read the title of DingTalk group ${openConversationId}: ${e}`,
      );
      return openConversationId;
    }
  }
}

/** What an event does once claimed; a `rename` is written together with the claim. */
type Plan = (() => Promise<unknown>) & {
  rename?: { openConversationId: string; title: string };
};

/** Group titles fit their column (255 characters, also lower-cased). */
function clampTitle(title: string | undefined): string | undefined {
  if (!title) return title;
  let t = title.slice(0, 255);
  while (t.toLowerCase().length > 255) t = t.slice(0, -1);
  return t;
}

/**
 * Events are JSON; one independent implementation (dingtalk-encrypt) URI-
 * encodes the text before encrypting it, so accept that form too.
 */
export function parseEvent(raw: string): Record<string, unknown> {
  for (const decode of [(r: string) => r, safeDecode]) {
    const candidate = decode(raw);
    if (candidate === undefined) continue;
    try {
      const value = JSON.parse(candidate);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        // PostgreSQL refuses NUL in text (a 500 otherwise); no real event has one.
        if (containsNul(value))
          throw new SyntaxError('the decrypted event contains a NUL character');
        return value;
      }
    } catch (e) {
      if (e instanceof SyntaxError && e.message.includes('NUL')) throw e;
      // try the next form
    }
  }
  throw new SyntaxError('the decrypted event is not a JSON object');
}

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURI(raw);
  } catch {
    return undefined;
  }
}
