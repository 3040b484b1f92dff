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
import { EscalationRule } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { Knex } from 'knex';
import { Db, parseJson, toNumber } from './util';

export type EscalationJob = {
  incidentId: string;
  ruleId: string;
  rule: EscalationRule;
  state: 'active' | 'done' | 'stopped';
  nextStep: number;
  round: number;
  nextRunAt: number;
  claimedBy?: string;
  claimUntil?: number;
  inflightStep?: number;
  inflightRound?: number;
  /** How many times the in-flight step has been started (1 on its first run). */
  inflightAttempt?: number;
};

/** Persisted escalation state, one row per incident that has a rule. */
export class EscalationStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async create(
    incidentId: string,
    rule: EscalationRule,
    firstRunAt: number,
    now: number,
    tx?: Db,
  ): Promise<void> {
    await (tx ?? this.#db)('oncall_escalations').insert({
      incident_id: incidentId,
      rule_id: rule.id,
      rule: JSON.stringify(rule),
      state: 'active',
      next_step: 0,
      round: 0,
      next_run_at: firstRunAt,
      updated_at: now,
    });
  }

  async get(incidentId: string, tx?: Db): Promise<EscalationJob | undefined> {
    const row = await (tx ?? this.#db)('oncall_escalations')
      .where({ incident_id: incidentId })
      .first();
    return row ? toJob(row) : undefined;
  }

  /** Ids of active jobs that are due and not claimed by a live claim. */
  async findDue(now: number, limit: number): Promise<string[]> {
    const rows = await this.#db('oncall_escalations')
      .where('state', 'active')
      .andWhere('next_run_at', '<=', now)
      .andWhere(q =>
        q.whereNull('claim_until').orWhere('claim_until', '<', now),
      )
      .orderBy('next_run_at', 'asc')
      .limit(limit)
      .select('incident_id');
    return rows.map(r => r.incident_id);
  }

  /**
   * Compare-and-set claim: of several replicas trying at once, exactly one
   * UPDATE matches, because the row lock makes the others re-check the WHERE
   * against the winner's claim_until.
   */
  async claim(
    incidentId: string,
    owner: string,
    now: number,
    claimUntil: number,
  ): Promise<EscalationJob | undefined> {
    const count = await this.#db('oncall_escalations')
      .where('incident_id', incidentId)
      .andWhere('state', 'active')
      .andWhere('next_run_at', '<=', now)
      .andWhere(q =>
        q.whereNull('claim_until').orWhere('claim_until', '<', now),
      )
      .update({ claimed_by: owner, claim_until: claimUntil, updated_at: now });
    if (count === 0) return undefined;
    return this.get(incidentId);
  }

  /** Records that a step is about to notify; false if the claim was lost. */
  async markInflight(
    incidentId: string,
    owner: string,
    step: number,
    round: number,
    now: number,
    tx?: Db,
    attempt = 1,
  ): Promise<boolean> {
    const count = await (tx ?? this.#db)('oncall_escalations')
      .where({ incident_id: incidentId, claimed_by: owner, state: 'active' })
      .update({
        inflight_step: step,
        inflight_round: round,
        inflight_attempt: attempt,
        updated_at: now,
      });
    return count > 0;
  }

  /**
   * Keeps a live claim alive: a replica renews its claims while it works on
   * them, so a short lease is enough and a dead replica's step is taken over
   * soon after its last renewal. False when the claim is no longer ours.
   */
  async heartbeat(
    incidentId: string,
    owner: string,
    claimUntil: number,
  ): Promise<boolean> {
    const count = await this.#db('oncall_escalations')
      .where({ incident_id: incidentId, claimed_by: owner, state: 'active' })
      .update({ claim_until: claimUntil });
    return count > 0;
  }

  /**
   * Completes the claimed step: either schedules the next one or finishes.
   * Guarded by owner and state so that a stop (acknowledge/resolve) that
   * happened meanwhile is not overwritten.
   */
  async complete(
    incidentId: string,
    owner: string,
    next:
      | { kind: 'next'; step: number; round: number; runAt: number }
      | { kind: 'done' },
    now: number,
    tx?: Db,
  ): Promise<boolean> {
    const update: Record<string, unknown> = {
      claimed_by: null,
      claim_until: null,
      inflight_step: null,
      inflight_round: null,
      inflight_attempt: null,
      updated_at: now,
    };
    if (next.kind === 'next') {
      update.next_step = next.step;
      update.round = next.round;
      update.next_run_at = next.runAt;
    } else {
      update.state = 'done';
    }
    const count = await (tx ?? this.#db)('oncall_escalations')
      .where({ incident_id: incidentId, claimed_by: owner, state: 'active' })
      .update(update);
    return count > 0;
  }

  /**
   * Gives a claim back without completing the step, e.g. while snoozed, or
   * to run an in-flight step again at `runAt` (its in-flight mark stays).
   */
  async release(
    incidentId: string,
    owner: string,
    runAt: number,
    now: number,
  ): Promise<void> {
    await this.#db('oncall_escalations')
      .where({ incident_id: incidentId, claimed_by: owner })
      .update({
        claimed_by: null,
        claim_until: null,
        next_run_at: runAt,
        updated_at: now,
      });
  }

  async stop(incidentId: string, now: number, tx?: Db): Promise<boolean> {
    const count = await (tx ?? this.#db)('oncall_escalations')
      .where({ incident_id: incidentId, state: 'active' })
      .update({ state: 'stopped', updated_at: now });
    return count > 0;
  }

  /** Makes an active job's next step due at `now` (a chat `escalate`); false when none is active. */
  async advance(incidentId: string, now: number, tx?: Db): Promise<boolean> {
    const count = await (tx ?? this.#db)('oncall_escalations')
      .where({ incident_id: incidentId, state: 'active' })
      .update({ next_run_at: now, updated_at: now });
    return count > 0;
  }

  /** Pushes an active job's next run to at least `runAt` (snooze). */
  async postpone(
    incidentId: string,
    runAt: number,
    now: number,
    tx?: Db,
  ): Promise<void> {
    await (tx ?? this.#db)('oncall_escalations')
      .where({ incident_id: incidentId, state: 'active' })
      .andWhere('next_run_at', '<', runAt)
      .update({ next_run_at: runAt, updated_at: now });
  }
}

function toJob(row: any): EscalationJob {
  return {
    incidentId: row.incident_id,
    ruleId: row.rule_id,
    rule: parseJson<EscalationRule>(row.rule, {} as EscalationRule),
    state: row.state,
    nextStep: Number(row.next_step),
    round: Number(row.round),
    nextRunAt: toNumber(row.next_run_at)!,
    claimedBy: row.claimed_by ?? undefined,
    claimUntil: toNumber(row.claim_until),
    inflightStep: toNumber(row.inflight_step),
    inflightRound: toNumber(row.inflight_round),
    inflightAttempt: toNumber(row.inflight_attempt),
  };
}
