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
  EscalationRule,
  EscalationStep,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { Db, parseJson, toIso } from './util';

/** One escalation rule per service. */
export class RulesStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async getByService(
    serviceRef: string,
    tx?: Db,
  ): Promise<EscalationRule | undefined> {
    const row = await (tx ?? this.#db)('oncall_rules')
      .where({ service_ref: serviceRef })
      .first();
    return row ? toRule(row) : undefined;
  }

  async upsert(
    serviceRef: string,
    rule: {
      name: string;
      steps: EscalationStep[];
      repeat: number;
      repeatDelayMinutes?: number;
    },
    actor: string | undefined,
    now: number,
  ): Promise<EscalationRule> {
    await this.#db('oncall_rules')
      .insert({
        id: randomUUID(),
        service_ref: serviceRef,
        name: rule.name,
        steps: JSON.stringify(rule.steps),
        repeat: rule.repeat,
        repeat_delay_minutes: rule.repeatDelayMinutes ?? null,
        created_at: now,
        updated_at: now,
        updated_by: actor ?? null,
      })
      .onConflict('service_ref')
      .merge([
        'name',
        'steps',
        'repeat',
        'repeat_delay_minutes',
        'updated_at',
        'updated_by',
      ]);
    return (await this.getByService(serviceRef))!;
  }

  /** Every rule, for the services overview (one per service, so few). */
  async list(): Promise<EscalationRule[]> {
    const rows = await this.#db('oncall_rules').orderBy('service_ref', 'asc');
    return rows.map(toRule);
  }

  async delete(serviceRef: string): Promise<boolean> {
    return (
      (await this.#db('oncall_rules')
        .where({ service_ref: serviceRef })
        .delete()) > 0
    );
  }
}

function toRule(row: any): EscalationRule {
  return {
    id: row.id,
    serviceRef: row.service_ref,
    name: row.name,
    steps: parseJson<EscalationStep[]>(row.steps, []),
    repeat: Number(row.repeat),
    repeatDelayMinutes:
      row.repeat_delay_minutes === null ||
      row.repeat_delay_minutes === undefined
        ? undefined
        : Number(row.repeat_delay_minutes),
    createdAt: toIso(row.created_at)!,
    updatedAt: toIso(row.updated_at)!,
    updatedBy: row.updated_by ?? undefined,
  };
}
