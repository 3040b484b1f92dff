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

import type { Severity } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { OncallStores } from '../database';
import type { NewTimelineEntry } from '../database/IncidentsStore';

const MINUTE = 60_000;

export type CreateIncidentInput = {
  title: string;
  description?: string;
  severity: Severity;
  serviceRef: string;
  labels?: Record<string, string>;
  alertKey?: string;
};

/**
 * Writes a new incident, its first timeline entries and, when the service has
 * an escalation rule, the escalation that pages its first step, in the
 * caller's transaction (creating from the API and from alert events share
 * it). Returns the incident's id.
 */
export async function insertIncident(
  stores: OncallStores,
  input: CreateIncidentInput,
  actor: string,
  message: string,
  now: number,
  tx: Knex.Transaction,
): Promise<string> {
  const { incidents, rules, escalations } = stores;
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
