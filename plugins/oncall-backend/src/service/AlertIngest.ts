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

import { ConflictError } from '@backstage/errors';
import type {
  AlertIngestResponse,
  Incident,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { IncidentChangeType } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { Knex } from 'knex';
import type { OncallStores } from '../database';
import { isUniqueViolation } from '../database/util';
import type { NormalizedAlert } from './alerts';
import type { CreateIncidentInput } from './insertIncident';

/** What applying alert events needs of the incident service. */
export interface AlertIngestDeps {
  stores: OncallStores;
  clock: () => number;
  resolve(id: string, actor: string, note?: string): Promise<Incident>;
  insert(
    input: CreateIncidentInput,
    actor: string,
    message: string,
    now: number,
    tx: Knex.Transaction,
  ): Promise<string>;
}

/**
 * One alert event: a firing event merges into the open incident with the
 * same alert key or opens one; a resolved event resolves the open incident.
 */
export async function ingestOne(
  deps: AlertIngestDeps,
  serviceRef: string,
  alert: NormalizedAlert,
  actor: string,
): Promise<AlertIngestResponse['results'][number]> {
  const { incidents, db } = deps.stores;
  const alertKey = alert.alertKey;
  if (alert.status === 'resolved') {
    const open = await incidents.findOpenByAlertKey(serviceRef, alertKey);
    if (!open) return { alertKey, action: 'ignored' };
    try {
      await deps.resolve(open.id, actor, 'resolved by a resolved alert event');
    } catch (e) {
      // Someone resolved it a moment earlier; the outcome is the same.
      if (!(e instanceof ConflictError)) throw e;
    }
    return { incidentId: open.id, alertKey, action: 'resolved' };
  }
  // Two attempts: a concurrent event with the same key may create the
  // incident between our lookup and insert; the unique index catches that.
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock();
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
        const id = await deps.insert(
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

/** Why a transition did not happen, as the ConflictError to throw. */
export function conflict(
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
