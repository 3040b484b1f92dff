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
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  AlertIngestResponse,
  Incident,
  IncidentList,
  IncidentListQuery,
  IncidentStatus,
  Severity,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  IncidentChange,
  IncidentChangeType,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { OncallStores } from '../database';
import { IncidentPatch, NewTimelineEntry } from '../database/IncidentsStore';
import { isUniqueViolation } from '../database/util';
import { Clock, EscalationEngine } from '../engine/EscalationEngine';
import { NormalizedAlert } from './alerts';
import { ChannelUpdates } from './ChannelUpdates';

const MINUTE = 60_000;
const OPEN: IncidentStatus[] = ['triggered', 'acknowledged'];
const ALL: IncidentStatus[] = ['triggered', 'acknowledged', 'resolved'];

export type CreateIncidentInput = {
  title: string;
  description?: string;
  severity: Severity;
  serviceRef: string;
  labels?: Record<string, string>;
  alertKey?: string;
};

/**
 * The incident state machine. The REST API, the alert webhook and channel
 * actions all go through here, so the rules are the same for each of them.
 */
export class IncidentService implements OncallIncidentActions {
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
      this.#insert(input, actor, `Incident created by ${actor}`, now, tx),
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
      const result = await this.#ingestOne(serviceRef, alert, actor);
      created ||= result.action === 'created';
      results.push(result);
    }
    if (created) this.#engine.kick();
    return { results };
  }

  async #ingestOne(
    serviceRef: string,
    alert: NormalizedAlert,
    actor: string,
  ): Promise<AlertIngestResponse['results'][number]> {
    const { incidents, db } = this.#stores;
    const alertKey = alert.alertKey;
    if (alert.status === 'resolved') {
      const open = await incidents.findOpenByAlertKey(serviceRef, alertKey);
      if (!open) return { alertKey, action: 'ignored' };
      try {
        await this.resolve(
          open.id,
          actor,
          'resolved by a resolved alert event',
        );
      } catch (e) {
        // Someone resolved it a moment earlier; the outcome is the same.
        if (!(e instanceof ConflictError)) throw e;
      }
      return { incidentId: open.id, alertKey, action: 'resolved' };
    }
    // Two attempts: a concurrent event with the same key may create the
    // incident between our lookup and insert; the unique index catches that.
    for (let attempt = 0; ; attempt++) {
      const now = this.#clock();
      try {
        return await db.transaction(async tx => {
          const open = await incidents.findOpenByAlertKey(
            serviceRef,
            alertKey,
            tx,
          );
          if (open) {
            await incidents.recordAlert(open.id, now, tx);
            await incidents.addTimeline(
              open.id,
              [
                {
                  type: 'alert',
                  message: `Alert fired again (${open.alertCount + 1} events)`,
                  actor,
                  data: {
                    title: alert.title,
                    severity: alert.severity,
                    labels: alert.labels,
                  },
                },
              ],
              now,
              tx,
            );
            return { incidentId: open.id, alertKey, action: 'merged' as const };
          }
          const id = await this.#insert(
            { ...alert, serviceRef },
            actor,
            'Incident opened by an alert',
            now,
            tx,
          );
          return { incidentId: id, alertKey, action: 'created' as const };
        });
      } catch (e) {
        if (attempt < 2 && isUniqueViolation(e)) continue;
        throw e;
      }
    }
  }

  async #insert(
    input: CreateIncidentInput,
    actor: string,
    message: string,
    now: number,
    tx: Knex.Transaction,
  ): Promise<string> {
    const { incidents, rules, escalations } = this.#stores;
    const id = randomUUID();
    await incidents.insert(
      {
        id,
        title: input.title,
        description: input.description,
        severity: input.severity,
        serviceRef: input.serviceRef,
        labels: input.labels ?? {},
        alertKey: input.alertKey,
        now,
      },
      tx,
    );
    const entries: NewTimelineEntry[] = [
      {
        type: 'created',
        message,
        actor,
        data: { severity: input.severity, serviceRef: input.serviceRef },
      },
    ];
    const rule = await rules.getByService(input.serviceRef, tx);
    if (rule && rule.steps.length > 0) {
      await escalations.create(
        id,
        rule,
        now + rule.steps[0].delayMinutes * MINUTE,
        now,
        tx,
      );
      entries.push({
        type: 'escalation',
        message: `Escalation rule "${rule.name}" started (${rule.steps.length} steps)`,
        actor: 'system:escalation',
        data: { ruleId: rule.id },
      });
    } else {
      entries.push({
        type: 'escalation',
        message: `No escalation rule for ${input.serviceRef}: nobody is paged automatically`,
        actor: 'system:escalation',
      });
    }
    await incidents.addTimeline(id, entries, now, tx);
    return id;
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

  async comment(id: string, actor: string, text: string): Promise<Incident> {
    const now = this.#clock();
    return this.#transition(id, ALL, 'commented', actor, now, {
      patch: {},
      message: text,
      type: 'comment',
      data: { text },
    });
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

function conflict(
  incident: Incident,
  change: IncidentChangeType,
): ConflictError {
  if (incident.status === 'resolved') {
    return new ConflictError(
      `Incident ${incident.id} is already resolved${
        incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''
      }; it cannot be ${change}`,
    );
  }
  if (change === 'acknowledged' && incident.status === 'acknowledged') {
    return new ConflictError(
      `Incident ${incident.id} is already acknowledged by ${
        incident.acknowledgedBy ?? 'someone'
      }`,
    );
  }
  return new ConflictError(
    `Incident ${incident.id} is ${incident.status}; it cannot be ${change}`,
  );
}
