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
import { IncidentStatus } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { Knex } from 'knex';
import {
  IncidentPatch,
  IncidentsStore,
  NewIncident,
  NewTimelineEntry,
} from './IncidentsStore';
import { Db } from './util';

/**
 * The incidents store that reports which incident changed after each write
 * has been committed. Hooking the writes here, not the callers, means every
 * path that changes an incident (the API, alerts, channel clicks, the
 * escalation engine, chat commands) is announced without each one having to
 * remember to.
 */
export class ObservedIncidentsStore extends IncidentsStore {
  readonly #onChange: (incidentId: string) => void;

  constructor(db: Knex, onChange: (incidentId: string) => void) {
    super(db);
    this.#onChange = onChange;
  }

  override async insert(incident: NewIncident, tx?: Db): Promise<void> {
    await super.insert(incident, tx);
    this.#changed(incident.id, tx);
  }

  override async recordAlert(id: string, now: number, tx?: Db): Promise<void> {
    await super.recordAlert(id, now, tx);
    this.#changed(id, tx);
  }

  override async transition(
    id: string,
    from: IncidentStatus[],
    patch: IncidentPatch,
    now: number,
    tx?: Db,
  ): Promise<boolean> {
    const changed = await super.transition(id, from, patch, now, tx);
    if (changed) this.#changed(id, tx);
    return changed;
  }

  override async touch(id: string, now: number, tx?: Db): Promise<void> {
    await super.touch(id, now, tx);
    this.#changed(id, tx);
  }

  override async addResponders(
    id: string,
    userRefs: string[],
    now: number,
    tx?: Db,
  ): Promise<void> {
    await super.addResponders(id, userRefs, now, tx);
    if (userRefs.length > 0) this.#changed(id, tx);
  }

  override async addTimeline(
    incidentId: string,
    entries: NewTimelineEntry[],
    now: number,
    tx?: Db,
  ): Promise<void> {
    await super.addTimeline(incidentId, entries, now, tx);
    if (entries.length > 0) this.#changed(incidentId, tx);
  }

  // Inside a transaction the change is announced once it is committed:
  // announced earlier, a page would refetch and still see the old state; a
  // rolled-back change is not announced at all.
  #changed(incidentId: string, tx?: Db) {
    if (tx?.isTransaction) {
      (tx as Knex.Transaction).executionPromise.then(
        () => this.#onChange(incidentId),
        () => {},
      );
      return;
    }
    this.#onChange(incidentId);
  }
}
