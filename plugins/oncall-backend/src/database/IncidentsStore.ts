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
import {
  Incident,
  IncidentListQuery,
  IncidentStatus,
  Severity,
  TimelineEntry,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { Knex } from 'knex';
import { Db, parseJson, toIso, toNumber } from './util';

type IncidentRow = {
  id: string;
  title: string;
  description: string | null;
  severity: string;
  status: string;
  service_ref: string;
  labels: string;
  alert_key: string | null;
  open_alert_key: string | null;
  alert_count: number;
  assignee: string | null;
  snoozed_until: number | string | null;
  acknowledged_by: string | null;
  acknowledged_at: number | string | null;
  resolved_by: string | null;
  resolved_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
};

export type NewIncident = {
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  serviceRef: string;
  labels: Record<string, string>;
  alertKey?: string;
  now: number;
};

export type IncidentPatch = Partial<{
  status: IncidentStatus;
  assignee: string | null;
  snoozedUntil: number | null;
  acknowledgedBy: string;
  acknowledgedAt: number;
  resolvedBy: string;
  resolvedAt: number;
}>;

export type NewTimelineEntry = {
  type: string;
  message: string;
  actor?: string;
  data?: Record<string, unknown>;
};

/** Incidents, their responders and their timeline. */
export class IncidentsStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async insert(incident: NewIncident, tx?: Db): Promise<void> {
    await (tx ?? this.#db)('oncall_incidents').insert({
      id: incident.id,
      title: incident.title,
      description: incident.description ?? null,
      severity: incident.severity,
      status: 'triggered',
      service_ref: incident.serviceRef,
      labels: JSON.stringify(incident.labels),
      alert_key: incident.alertKey ?? null,
      open_alert_key: incident.alertKey ?? null,
      alert_count: 1,
      created_at: incident.now,
      updated_at: incident.now,
    });
  }

  async get(id: string, tx?: Db): Promise<Incident | undefined> {
    const db = tx ?? this.#db;
    const row = await db<IncidentRow>('oncall_incidents').where({ id }).first();
    if (!row) return undefined;
    const [incident] = await this.#withResponders([row], db);
    return incident;
  }

  async findOpenByAlertKey(
    serviceRef: string,
    alertKey: string,
    tx?: Db,
  ): Promise<Incident | undefined> {
    const db = tx ?? this.#db;
    const row = await db<IncidentRow>('oncall_incidents')
      .where({ service_ref: serviceRef, open_alert_key: alertKey })
      .first();
    if (!row) return undefined;
    const [incident] = await this.#withResponders([row], db);
    return incident;
  }

  /** Counts one more alert event on an open incident. */
  async recordAlert(id: string, now: number, tx?: Db): Promise<void> {
    await (tx ?? this.#db)('oncall_incidents')
      .where({ id })
      .update({
        alert_count: (tx ?? this.#db).raw('alert_count + 1'),
        updated_at: now,
      });
  }

  /**
   * Applies a patch only if the incident is in one of the expected statuses;
   * returns false if it was not (the caller turns that into a 404 or 409).
   * Doing the check in the UPDATE makes concurrent transitions race-free.
   */
  async transition(
    id: string,
    from: IncidentStatus[],
    patch: IncidentPatch,
    now: number,
    tx?: Db,
  ): Promise<boolean> {
    const update: Record<string, unknown> = { updated_at: now };
    if (patch.status !== undefined) update.status = patch.status;
    if (patch.status === 'resolved') update.open_alert_key = null;
    if (patch.assignee !== undefined) update.assignee = patch.assignee;
    if (patch.snoozedUntil !== undefined)
      update.snoozed_until = patch.snoozedUntil;
    if (patch.acknowledgedBy !== undefined)
      update.acknowledged_by = patch.acknowledgedBy;
    if (patch.acknowledgedAt !== undefined)
      update.acknowledged_at = patch.acknowledgedAt;
    if (patch.resolvedBy !== undefined) update.resolved_by = patch.resolvedBy;
    if (patch.resolvedAt !== undefined) update.resolved_at = patch.resolvedAt;
    const count = await (tx ?? this.#db)('oncall_incidents')
      .where({ id })
      .whereIn('status', from)
      .update(update);
    return count > 0;
  }

  async touch(id: string, now: number, tx?: Db): Promise<void> {
    await (tx ?? this.#db)('oncall_incidents')
      .where({ id })
      .update({ updated_at: now });
  }

  async addResponders(
    id: string,
    userRefs: string[],
    now: number,
    tx?: Db,
  ): Promise<void> {
    const unique = [...new Set(userRefs)];
    if (unique.length === 0) return;
    await (tx ?? this.#db)('oncall_incident_responders')
      .insert(
        unique.map(u => ({ incident_id: id, user_ref: u, added_at: now })),
      )
      .onConflict(['incident_id', 'user_ref'])
      .ignore();
  }

  async list(
    query: Partial<IncidentListQuery>,
  ): Promise<{ items: Incident[]; totalCount: number }> {
    const base = this.#db<IncidentRow>('oncall_incidents');
    if (query.status?.length) base.whereIn('status', query.status);
    if (query.severity?.length) base.whereIn('severity', query.severity);
    if (query.serviceRef) base.where('service_ref', query.serviceRef);
    if (query.alertKey) base.where('alert_key', query.alertKey);
    if (query.responder) {
      base.whereIn(
        'id',
        this.#db('oncall_incident_responders')
          .select('incident_id')
          .where('user_ref', query.responder),
      );
    }
    if (query.q) {
      base.whereRaw("LOWER(title) LIKE ? ESCAPE '\\'", [
        `%${query.q
          .toLocaleLowerCase('en-US')
          .replace(/[%_\\]/g, c => `\\${c}`)}%`,
      ]);
    }
    const [{ count }] = await base.clone().count({ count: '*' });
    const rows = await base
      .clone()
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(query.limit ?? 50)
      .offset(query.offset ?? 0);
    return {
      items: await this.#withResponders(rows, this.#db),
      totalCount: Number(count),
    };
  }

  async addTimeline(
    incidentId: string,
    entries: NewTimelineEntry[],
    now: number,
    tx?: Db,
  ): Promise<void> {
    if (entries.length === 0) return;
    await (tx ?? this.#db)('oncall_timeline').insert(
      entries.map(e => ({
        incident_id: incidentId,
        type: e.type,
        message: e.message,
        actor: e.actor ?? null,
        data: e.data ? JSON.stringify(e.data) : null,
        created_at: now,
      })),
    );
  }

  async listTimeline(incidentId: string, tx?: Db): Promise<TimelineEntry[]> {
    const rows = await (tx ?? this.#db)('oncall_timeline')
      .where({ incident_id: incidentId })
      .orderBy('seq', 'asc');
    return rows.map(r => ({
      id: String(r.seq),
      incidentId: r.incident_id,
      type: r.type,
      message: r.message,
      actor: r.actor ?? undefined,
      data: r.data ? parseJson(r.data, {}) : undefined,
      createdAt: toIso(r.created_at)!,
    }));
  }

  async #withResponders(rows: IncidentRow[], db: Db): Promise<Incident[]> {
    if (rows.length === 0) return [];
    const responders = new Map<string, string[]>();
    const ids = rows.map(r => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = await db('oncall_incident_responders')
        .whereIn('incident_id', ids.slice(i, i + 500))
        .orderBy([{ column: 'added_at' }, { column: 'user_ref' }]);
      for (const r of chunk) {
        const list = responders.get(r.incident_id) ?? [];
        list.push(r.user_ref);
        responders.set(r.incident_id, list);
      }
    }
    return rows.map(r => ({
      id: r.id,
      title: r.title,
      description: r.description ?? undefined,
      severity: r.severity as Severity,
      status: r.status as IncidentStatus,
      serviceRef: r.service_ref,
      labels: parseJson(r.labels, {}),
      alertKey: r.alert_key ?? undefined,
      alertCount: toNumber(r.alert_count) ?? 1,
      responders: responders.get(r.id) ?? [],
      assignee: r.assignee ?? undefined,
      snoozedUntil: toIso(r.snoozed_until),
      acknowledgedBy: r.acknowledged_by ?? undefined,
      acknowledgedAt: toIso(r.acknowledged_at),
      resolvedBy: r.resolved_by ?? undefined,
      resolvedAt: toIso(r.resolved_at),
      createdAt: toIso(r.created_at)!,
      updatedAt: toIso(r.updated_at)!,
    }));
  }
}
