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
import {
  EscalationTarget,
  Incident,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { randomUUID } from 'node:crypto';
import { EscalationJob, OncallStores } from '../database';
import { NewTimelineEntry } from '../database/IncidentsStore';
import { ChannelRegistry } from '../service/ChannelRegistry';
import { NotificationPreferencesSource } from '../service/DirectRecipients';
import { UserResolver } from '../service/UserResolver';
import { Deliverer, Delivery } from './Deliverer';
import { deliveryEntry, describeTargets, forEachLimited } from './entries';

export type { Delivery } from './Deliverer';

export type Clock = () => number;

const MINUTE = 60_000;
const DEFAULT_REPEAT_DELAY_MINUTES = 10;
/** A step whose channels did not answer in time runs this often at most. */
const MAX_STEP_ATTEMPTS = 5;
/** The wait before such a step runs again: 5 s, 10 s, 20 s, ... */
const RETRY_BASE_MS = 5_000;

export type EscalationEngineOptions = {
  stores: OncallStores;
  channels: ChannelRegistry;
  users: UserResolver;
  /** People's notification preferences; absent: every channel messages everyone. */
  preferences?: NotificationPreferencesSource;
  logger: LoggerService;
  clock?: Clock;
  /** Written to claimed_by; unique per process. */
  instanceId?: string;
  /**
   * The lease of a claim on a step. The replica working on the step renews
   * it every third of the lease, so a dead replica's step is taken over
   * within about a lease (plus a tick). Default 15 s.
   */
  claimTimeoutMs?: number;
  /**
   * How long a channel may take to notify before it is cancelled (through
   * its request's signal) and the step runs again later. Default 60 s.
   */
  notifyTimeoutMs?: number;
  batchSize?: number;
  concurrency?: number;
};

/**
 * Runs escalation steps. Every replica may tick; a compare-and-set claim on
 * the job row makes exactly one of them run a due step. The step is marked
 * in flight before channels are called, and its results and the next step
 * are written in one transaction afterwards, so a crash in between makes the
 * step run again once the claim expires instead of losing it. A claim is a
 * short lease renewed while the step runs (heartbeats), so that is seconds,
 * not minutes. Channels are cancelled when they do not answer in time; the
 * step then runs again (channels key their sends by incident and target, so
 * a repeat updates what already landed instead of sending it twice).
 */
export class EscalationEngine {
  readonly #stores: OncallStores;
  readonly #channels: ChannelRegistry;
  readonly #users: UserResolver;
  readonly #deliverer: Deliverer;
  readonly #logger: LoggerService;
  readonly #clock: Clock;
  readonly #instanceId: string;
  readonly #claimTimeoutMs: number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  #running: Promise<void> | undefined;
  #again = false;

  static create(options: EscalationEngineOptions): EscalationEngine {
    return new EscalationEngine(options);
  }

  private constructor(options: EscalationEngineOptions) {
    this.#stores = options.stores;
    this.#channels = options.channels;
    this.#users = options.users;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.#instanceId = options.instanceId ?? randomUUID();
    this.#claimTimeoutMs = options.claimTimeoutMs ?? 15_000;
    this.#batchSize = options.batchSize ?? 50;
    this.#concurrency = options.concurrency ?? 4;
    this.#deliverer = new Deliverer({
      channels: this.#channels,
      preferences: options.preferences,
      clock: this.#clock,
      notifyTimeoutMs: options.notifyTimeoutMs ?? MINUTE,
    });
  }

  get instanceId(): string {
    return this.#instanceId;
  }

  /** Runs every due step; returns how many steps this instance ran. */
  async tick(now: number = this.#clock()): Promise<number> {
    let ran = 0;
    // Bounded so a chain of zero-delay steps cannot keep one tick alive forever.
    for (let batch = 0; batch < 100; batch++) {
      const due = await this.#stores.escalations.findDue(now, this.#batchSize);
      if (due.length === 0) break;
      const result = await this.#runBatch(due, now);
      ran += result.ran;
      // Zero-delay next steps are due at once, so look again after progress.
      if (result.claimed === 0) break;
    }
    return ran;
  }

  async #runBatch(
    due: string[],
    now: number,
  ): Promise<{ claimed: number; ran: number }> {
    let claimed = 0;
    let ran = 0;
    await forEachLimited(due, this.#concurrency, async incidentId => {
      const job = await this.#stores.escalations.claim(
        incidentId,
        this.#instanceId,
        now,
        now + this.#claimTimeoutMs,
      );
      if (!job) return;
      claimed++;
      const stopBeating = this.#heartbeat(incidentId);
      try {
        if (await this.#runClaimed(job, now)) ran++;
      } catch (error) {
        // The claim stays until it expires, and the step then runs again.
        this.#logger.error(
          `Escalation of incident ${incidentId} failed`,
          error as Error,
        );
      } finally {
        stopBeating();
      }
    });
    return { claimed, ran };
  }

  /** Renews this replica's claim on the step until the returned stop is called. */
  #heartbeat(incidentId: string): () => void {
    const timer = setInterval(() => {
      this.#stores.escalations
        .heartbeat(
          incidentId,
          this.#instanceId,
          this.#clock() + this.#claimTimeoutMs,
        )
        .catch(error =>
          this.#logger.warn(
            `Could not renew the claim on ${incidentId}: ${error}`,
          ),
        );
    }, Math.max(200, Math.floor(this.#claimTimeoutMs / 3)));
    timer.unref?.();
    return () => clearInterval(timer);
  }

  /**
   * Starts a tick in the background, e.g. right after an incident was created
   * so that a zero-delay first step does not wait for the scheduler.
   */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.tick(this.#clock());
        } catch (error) {
          this.#logger.error('Escalation tick failed', error as Error);
        }
      } while (this.#again);
    })().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when a background tick started by kick() has finished. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /**
   * Pages people outside the rule (e.g. the new assignee of a reassign) and
   * records the results in the timeline.
   */
  async page(
    incident: Incident,
    users: string[],
    reason: string,
  ): Promise<void> {
    const now = this.#clock();
    await this.#stores.incidents.addResponders(incident.id, users, now);
    const deliveries = await this.deliver(incident, [], users, 0);
    await this.#stores.incidents.addTimeline(
      incident.id,
      deliveries.map(d => deliveryEntry(d, 0, 0, reason)),
      this.#clock(),
    );
  }

  /** Calls each channel with its targets and the users; never throws. */
  deliver(
    incident: Incident,
    targets: EscalationTarget[],
    users: string[],
    step: number,
  ): Promise<Delivery[]> {
    return this.#deliverer.deliver(incident, targets, users, step);
  }

  async #runClaimed(job: EscalationJob, now: number): Promise<boolean> {
    const { incidents, escalations, db } = this.#stores;
    const owner = this.#instanceId;
    const incident = await incidents.get(job.incidentId);
    if (!incident || incident.status !== 'triggered') {
      await escalations.stop(job.incidentId, now);
      return false;
    }
    const snoozedUntil = incident.snoozedUntil
      ? Date.parse(incident.snoozedUntil)
      : 0;
    if (snoozedUntil > now) {
      await escalations.release(job.incidentId, owner, snoozedUntil, now);
      return false;
    }

    const resumed = job.inflightStep !== undefined;
    const stepIndex = resumed ? job.inflightStep! : job.nextStep;
    const round = resumed ? job.inflightRound ?? job.round : job.round;
    const steps = job.rule.steps ?? [];
    const step = steps[stepIndex];
    if (!step) {
      await escalations.complete(job.incidentId, owner, { kind: 'done' }, now);
      return false;
    }
    const stepNo = stepIndex + 1;
    const label = `step ${stepNo}/${steps.length}${
      round > 0 ? ` (repeat ${round})` : ''
    }`;
    const attempt = resumed ? (job.inflightAttempt ?? 1) + 1 : 1;

    const intentRecorded = await db.transaction(async tx => {
      if (
        !(await escalations.markInflight(
          job.incidentId,
          owner,
          stepIndex,
          round,
          now,
          tx,
          attempt,
        ))
      ) {
        return false;
      }
      await incidents.addTimeline(
        job.incidentId,
        [
          {
            type: 'escalation',
            message: `Escalation ${label} of rule "${
              job.rule.name
            }" notifying ${describeTargets(step.targets)}${
              resumed
                ? ` (again: the previous attempt was interrupted; attempt ${attempt})`
                : ''
            }`,
            actor: 'system:escalation',
            data: {
              step: stepNo,
              round,
              ruleId: job.ruleId,
              resumed,
              attempt,
              targets: step.targets,
            },
          },
        ],
        now,
        tx,
      );
      return true;
    });
    if (!intentRecorded) return false;

    const { users, problems } = await this.#users.resolve(step.targets);
    await incidents.addResponders(job.incidentId, users, now);
    const deliveries = await this.deliver(
      incident,
      step.targets,
      users,
      stepNo,
    );

    const entries: NewTimelineEntry[] = problems.map(p => ({
      type: 'escalation',
      message: `Escalation ${label}: ${p}`,
      actor: 'system:escalation',
      data: { step: stepNo, round, problem: p },
    }));
    const again = deliveries.filter(d => d.unknown || d.retryable);
    if (again.length > 0 && attempt < MAX_STEP_ATTEMPTS) {
      // Cancelled or failed for now: the step stays in flight and runs again
      // soon; what landed is updated then, not sent twice.
      const delay = RETRY_BASE_MS * 2 ** (attempt - 1);
      entries.push(
        ...deliveries
          .filter(d => !again.includes(d))
          .map(d => deliveryEntry(d, stepNo, round)),
        {
          type: 'escalation',
          message: `Escalation ${label}: ${again
            .map(d => `${d.channel} → ${d.target}: ${d.outcome}`)
            .join(', ')}; the step runs again in ${delay / 1000}s`,
          actor: 'system:escalation',
          data: { step: stepNo, round, attempt, retryInMs: delay },
        },
      );
      await incidents.addTimeline(job.incidentId, entries, now);
      await escalations.release(
        job.incidentId,
        owner,
        this.#clock() + delay,
        now,
      );
      return true;
    }
    const next = this.#nextAfter(job, stepIndex, round, now);
    entries.push(...deliveries.map(d => deliveryEntry(d, stepNo, round)));
    if (next.kind === 'done') {
      entries.push({
        type: 'escalation',
        message: `Escalation rule "${job.rule.name}" finished: every step ran and the incident is still unacknowledged`,
        actor: 'system:escalation',
        data: { step: stepNo, round },
      });
    }
    await db.transaction(async tx => {
      await incidents.addTimeline(job.incidentId, entries, now, tx);
      await escalations.complete(job.incidentId, owner, next, now, tx);
    });
    return true;
  }

  #nextAfter(
    job: EscalationJob,
    stepIndex: number,
    round: number,
    now: number,
  ):
    | { kind: 'next'; step: number; round: number; runAt: number }
    | { kind: 'done' } {
    const steps = job.rule.steps;
    if (stepIndex + 1 < steps.length) {
      return {
        kind: 'next',
        step: stepIndex + 1,
        round,
        runAt: now + steps[stepIndex + 1].delayMinutes * MINUTE,
      };
    }
    if (round < (job.rule.repeat ?? 0)) {
      const delay = job.rule.repeatDelayMinutes ?? DEFAULT_REPEAT_DELAY_MINUTES;
      return {
        kind: 'next',
        step: 0,
        round: round + 1,
        runAt: now + delay * MINUTE,
      };
    }
    return { kind: 'done' };
  }
}
