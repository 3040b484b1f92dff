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
import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  AlertIngestResponse,
  Incident,
  IncidentList,
  IncidentListQuery,
  IncidentStatus,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  IncidentChange,
  IncidentChangeType,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { Knex } from 'knex';
import { OncallStores } from '../database';
import { IncidentPatch } from '../database/IncidentsStore';
import { Clock, EscalationEngine } from '../engine/EscalationEngine';
import { NormalizedAlert } from './alerts';
import { AlertIngestDeps, conflict, ingestOne } from './AlertIngest';
import { ChannelUpdates } from './ChannelUpdates';
import { insertIncident, type CreateIncidentInput } from './insertIncident';

const MINUTE = 60_000;

/** The chat-command actions, implemented by IncidentChat on top of this class. */
type ChatOnlyActions = Pick<
  OncallIncidentActions,
  | 'note'
  | 'assign'
  | 'escalate'
  | 'listOpenFor'
  | 'declare'
  | 'recordMessage'
  | 'timeline'
>;
const OPEN: IncidentStatus[] = ['triggered', 'acknowledged'];
const ALL: IncidentStatus[] = ['triggered', 'acknowledged', 'resolved'];

export type { CreateIncidentInput } from './insertIncident';

/**
 * The incident state machine. The REST API, the alert webhook and channel
 * actions all go through here, so the rules are the same for each of them.
 */
export class IncidentService
  implements Omit<OncallIncidentActions, keyof ChatOnlyActions>
{
  readonly #stores: OncallStores;
  readonly #engine: EscalationEngine;
  readonly #updates: ChannelUpdates;
  readonly #logger: LoggerService;
  readonly #clock: Clock;
  readonly #background = new Set<Promise<void>>();

  static create(options: {
    stores: OncallStores;
    engine: EscalationEngine;
    updates: ChannelUpdates;
    logger: LoggerService;
    clock?: Clock;
  }): IncidentService {
    return new IncidentService(options);
  }

  private constructor(options: {
    stores: OncallStores;
    engine: EscalationEngine;
    updates: ChannelUpdates;
    logger: LoggerService;
    clock?: Clock;
  }) {
    this.#stores = options.stores;
    this.#engine = options.engine;
    this.#updates = options.updates;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
  }

  /** What the alert-event code (AlertIngest.ts) uses of this service. */
  get #alertDeps(): AlertIngestDeps {
    return {
      stores: this.#stores,
      clock: () => this.#clock(),
      resolve: (id, actor, note) => this.resolve(id, actor, note),
      insert: (input, actor, message, now, tx) =>
        insertIncident(this.#stores, input, actor, message, now, tx),
    };
  }

  async get(id: string): Promise<Incident | undefined> {
    return this.#stores.incidents.get(id);
  }

  async getWithTimeline(id: string): Promise<Incident> {
    const incident = await this.#stores.incidents.get(id);
    if (!incident) throw new NotFoundError(`Incident ${id} not found`);
    return {
      ...incident,
      timeline: await this.#stores.incidents.listTimeline(id),
    };
  }

  async list(query: Partial<IncidentListQuery>): Promise<IncidentList> {
    return this.#stores.incidents.list(query);
  }

  async create(input: CreateIncidentInput, actor: string): Promise<Incident> {
    const now = this.#clock();
    const id = await this.#stores.db.transaction(tx =>
      insertIncident(
        this.#stores,
        input,
        actor,
        `Incident created by ${actor}`,
        now,
        tx,
      ),
    );
    this.#engine.kick();
    return (await this.#stores.incidents.get(id))!;
  }

  /**
   * Applies alert events from a webhook: a firing event merges into the open
   * incident with the same alert key or opens one; a resolved event resolves
   * the open incident.
   */
  async ingest(
    serviceRef: string,
    alerts: NormalizedAlert[],
    actor: string,
  ): Promise<AlertIngestResponse> {
    const results: AlertIngestResponse['results'] = [];
    let created = false;
    for (const alert of alerts) {
      const result = await ingestOne(this.#alertDeps, serviceRef, alert, actor);
      created ||= result.action === 'created';
      results.push(result);
    }
    if (created) this.#engine.kick();
    return { results };
  }

  async acknowledge(
    id: string,
    actor: string,
    note?: string,
  ): Promise<Incident> {
    const now = this.#clock();
    return this.#transition(id, ['triggered'], 'acknowledged', actor, now, {
      patch: {
        status: 'acknowledged',
        acknowledgedBy: actor,
        acknowledgedAt: now,
      },
      message: `Acknowledged by ${actor}${note ? `: ${note}` : ''}`,
      data: note ? { note } : undefined,
      responders: [actor],
      stopEscalation: true,
    });
  }

  async resolve(id: string, actor: string, note?: string): Promise<Incident> {
    const now = this.#clock();
    return this.#transition(id, OPEN, 'resolved', actor, now, {
      patch: { status: 'resolved', resolvedBy: actor, resolvedAt: now },
      message: `Resolved by ${actor}${note ? `: ${note}` : ''}`,
      data: note ? { note } : undefined,
      stopEscalation: true,
    });
  }

  async snooze(id: string, actor: string, minutes: number): Promise<Incident> {
    const now = this.#clock();
    const until = now + minutes * MINUTE;
    return this.#transition(id, OPEN, 'snoozed', actor, now, {
      patch: { snoozedUntil: until },
      message: `Snoozed for ${minutes} minutes by ${actor}`,
      data: { minutes, until: new Date(until).toISOString() },
      afterWrite: tx => this.#stores.escalations.postpone(id, until, now, tx),
    });
  }

  async reassign(
    id: string,
    actor: string,
    assignee: string,
    note?: string,
  ): Promise<Incident> {
    const now = this.#clock();
    const incident = await this.#transition(
      id,
      OPEN,
      'reassigned',
      actor,
      now,
      {
        patch: { assignee },
        message: `Reassigned to ${assignee} by ${actor}${
          note ? `: ${note}` : ''
        }`,
        data: { assignee, ...(note ? { note } : {}) },
        responders: [assignee],
      },
    );
    this.#inBackground(
      this.#engine.page(incident, [assignee], `reassigned by ${actor}`),
      `page ${assignee} for incident ${id}`,
    );
    return incident;
  }

  /** A comment (REST API) or a `note` (chat command): the same change, another timeline type. */
  async comment(
    id: string,
    actor: string,
    text: string,
    options?: { type?: 'comment' | 'note'; via?: string },
  ): Promise<Incident> {
    const now = this.#clock();
    return this.#transition(id, ALL, 'commented', actor, now, {
      patch: {},
      message: text,
      type: options?.type ?? 'comment',
      data: {
        text,
        ...(options?.type === 'note' ? { note: true } : {}),
        ...(options?.via ? { via: options.via } : {}),
      },
    });
  }

  /** Clock and engine for IncidentChat (same process, same clock). */
  now(): number {
    return this.#clock();
  }

  kickEngine(): void {
    this.#engine.kick();
  }

  async recordTimeline(
    id: string,
    entry: {
      type: string;
      message: string;
      actor?: string;
      data?: Record<string, unknown>;
    },
  ): Promise<void> {
    if (!(await this.#stores.incidents.get(id))) {
      throw new NotFoundError(`Incident ${id} not found`);
    }
    await this.#stores.incidents.addTimeline(id, [entry], this.#clock());
  }

  /** Resolves once background work (channel updates, pages, ticks) is done. */
  async idle(): Promise<void> {
    do {
      await Promise.all([...this.#background]);
      await this.#engine.idle();
      await this.#updates.idle();
    } while (this.#background.size > 0);
  }

  async #transition(
    id: string,
    from: IncidentStatus[],
    change: IncidentChangeType,
    actor: string,
    now: number,
    options: {
      patch: IncidentPatch;
      message: string;
      type?: string;
      data?: Record<string, unknown>;
      responders?: string[];
      stopEscalation?: boolean;
      afterWrite?: (tx: Knex.Transaction) => Promise<void>;
    },
  ): Promise<Incident> {
    const { incidents, escalations, db } = this.#stores;
    const changed = await db.transaction(async tx => {
      if (!(await incidents.transition(id, from, options.patch, now, tx))) {
        return false;
      }
      await incidents.addTimeline(
        id,
        [
          {
            type: options.type ?? change,
            message: options.message,
            actor,
            data: options.data,
          },
        ],
        now,
        tx,
      );
      if (options.responders) {
        await incidents.addResponders(id, options.responders, now, tx);
      }
      if (options.stopEscalation && (await escalations.stop(id, now, tx))) {
        await incidents.addTimeline(
          id,
          [
            {
              type: 'escalation',
              message: `Escalation stopped: incident ${change}`,
              actor: 'system:escalation',
            },
          ],
          now,
          tx,
        );
      }
      await options.afterWrite?.(tx);
      return true;
    });
    const incident = await incidents.get(id);
    if (!incident) throw new NotFoundError(`Incident ${id} not found`);
    if (!changed) throw conflict(incident, change);
    const event: IncidentChange = {
      type: change,
      actor,
      at: new Date(now).toISOString(),
      ...(options.data ? { data: options.data } : {}),
    };
    this.#updates.publish(incident, event);
    return incident;
  }

  #inBackground(work: Promise<void>, what: string) {
    const p = work.catch(error =>
      this.#logger.error(
        `On-call background task failed: ${what}`,
        error as Error,
      ),
    );
    this.#background.add(p);
    p.finally(() => this.#background.delete(p));
  }
}
