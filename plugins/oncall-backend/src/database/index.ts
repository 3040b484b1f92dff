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
import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { EscalationStore } from './EscalationStore';
import { IncidentsStore } from './IncidentsStore';
import { ObservedIncidentsStore } from './ObservedIncidentsStore';
import { RulesStore } from './RulesStore';
import { WebhooksStore } from './WebhooksStore';
import { PreferencesStore } from './PreferencesStore';
import { connectDatabase } from './util';

export {
  IncidentsStore,
  RulesStore,
  WebhooksStore,
  EscalationStore,
  PreferencesStore,
};
export type { EscalationJob } from './EscalationStore';

export type OncallStores = {
  db: Knex;
  incidents: IncidentsStore;
  rules: RulesStore;
  webhooks: WebhooksStore;
  escalations: EscalationStore;
  preferences: PreferencesStore;
};

export async function createStores(
  database: DatabaseService,
  options?: {
    /** Called with an incident's id after each committed change to it. */
    onIncidentChange?: (incidentId: string) => void;
  },
): Promise<OncallStores> {
  const db = await connectDatabase(database);
  return {
    db,
    incidents: options?.onIncidentChange
      ? new ObservedIncidentsStore(db, options.onIncidentChange)
      : new IncidentsStore(db),
    rules: new RulesStore(db),
    webhooks: new WebhooksStore(db),
    escalations: new EscalationStore(db),
    preferences: new PreferencesStore(db),
  };
}
