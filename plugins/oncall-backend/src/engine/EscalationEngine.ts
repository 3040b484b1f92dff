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
import {
  ChannelDeliveryResult,
  ChannelTargetRef,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { randomUUID } from 'node:crypto';
import { EscalationJob, OncallStores } from '../database';
import { NewTimelineEntry } from '../database/IncidentsStore';
import { ChannelRegistry } from '../service/ChannelRegistry';
import { truncate } from '../service/ChannelUpdates';
import { UserResolver } from '../service/UserResolver';

export type Clock = () => number;

const MINUTE = 60_000;
const DEFAULT_REPEAT_DELAY_MINUTES = 10;

export type EscalationEngineOptions = {
  stores: OncallStores;
  channels: ChannelRegistry;
  users: UserResolver;
  logger: LoggerService;
  clock?: Clock;
  /** Written to claimed_by; unique per process. */
  instanceId?: string;
  /** How long a claim protects a step from other replicas. */
  claimTimeoutMs?: number;
  batchSize?: number;
  concurrency?: number;
};

/** Result of one delivery, tagged with the channel that made it. */
export type Delivery = ChannelDeliveryResult & { channel: string };

/**
 * Runs escalation steps. Every replica may tick; a compare-and-set claim on
 * the job row makes exactly one of them run a due step. The step is marked
 * in flight before channels are called, and its results and the next step
 * are written in one transaction afterwards, so a crash in between makes the
 * step run again once the claim expires instead of losing it.
 */
export class EscalationEngine {
  readonly #stores: OncallStores;
  readonly #channels: ChannelRegistry;
  readonly #users: UserResolver;
  readonly #logger: LoggerService;
  readonly #clock: Clock;
  readonly #instanceId: string;
  readonly #claimTimeoutMs: number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #notifyTimeoutMs: number;
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
    this.#claimTimeoutMs = options.claimTimeoutMs ?? 5 * MINUTE;
    this.#batchSize = options.batchSize ?? 50;
    this.#concurrency = options.concurrency ?? 4;
    // Well inside the claim, so a hanging channel fails the step instead of
    // letting the claim expire and another replica notify everyone again.
    this.#notifyTimeoutMs = Math.max(
      1000,
      Math.floor(this.#claimTimeoutMs / 2),
    );
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
      try {
        if (await this.#runClaimed(job, now)) ran++;
      } catch (error) {
        // The claim stays until it expires, and the step then runs again.
        this.#logger.error(
          `Escalation of incident ${incidentId} failed`,
          error as Error,
        );
      }
    });
    return { claimed, ran };
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
  async deliver(
    incident: Incident,
    targets: EscalationTarget[],
    users: string[],
    step: number,
  ): Promise<Delivery[]> {
    const channelTargets: ChannelTargetRef[] = targets.flatMap(t =>
      t.type === 'channel'
        ? [
            {
              channel: t.channel,
              id: t.id,
              title: t.title,
              integrationId: t.integrationId,
            },
          ]
        : [],
    );
    const channels = this.#channels.list();
    const deliveries: Delivery[] = [];
    for (const t of channelTargets) {
      if (!this.#channels.get(t.channel)) {
        deliveries.push({
          channel: t.channel,
          target: t.id,
          outcome: 'failed',
          detail: `channel "${t.channel}" is not installed in this backend`,
        });
      }
    }
    if (users.length > 0 && channels.length === 0) {
      for (const user of users) {
        deliveries.push({
          channel: 'none',
          target: user,
          user,
          outcome: 'failed',
          detail: 'no on-call channel is installed to reach users',
        });
      }
    }
    const actions =
      incident.status === 'triggered'
        ? ['acknowledge', 'resolve', 'snooze']
        : ['resolve', 'snooze'];
    const perChannel = await Promise.all(
      channels.map(async channel => {
        const mine = channelTargets.filter(t => t.channel === channel.id);
        if (mine.length === 0 && users.length === 0) return [];
        try {
          const results = await withTimeout(
            channel.notify({ incident, targets: mine, users, step, actions }),
            this.#notifyTimeoutMs,
            `${channel.id} did not answer within ${Math.round(
              this.#notifyTimeoutMs / 1000,
            )}s`,
          );
          return (results ?? []).map(r => ({ ...r, channel: channel.id }));
        } catch (error) {
          const detail = truncate((error as Error)?.message ?? String(error));
          return [
            ...mine.map(t => ({
              channel: channel.id,
              target: t.id,
              outcome: 'failed',
              detail,
            })),
            ...users.map(u => ({
              channel: channel.id,
              target: u,
              user: u,
              outcome: 'failed',
              detail,
            })),
          ];
        }
      }),
    );
    return [...deliveries, ...perChannel.flat()];
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

    const intentRecorded = await db.transaction(async tx => {
      if (
        !(await escalations.markInflight(
          job.incidentId,
          owner,
          stepIndex,
          round,
          now,
          tx,
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
              resumed ? ' (again: the previous attempt was interrupted)' : ''
            }`,
            actor: 'system:escalation',
            data: {
              step: stepNo,
              round,
              ruleId: job.ruleId,
              resumed,
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

    const next = this.#nextAfter(job, stepIndex, round, now);
    const entries: NewTimelineEntry[] = [
      ...problems.map(p => ({
        type: 'escalation',
        message: `Escalation ${label}: ${p}`,
        actor: 'system:escalation',
        data: { step: stepNo, round, problem: p },
      })),
      ...deliveries.map(d => deliveryEntry(d, stepNo, round)),
    ];
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

function describeTargets(targets: EscalationTarget[]): string {
  return targets
    .map(t =>
      t.type === 'channel' ? `${t.channel}:${t.title ?? t.id}` : t.ref,
    )
    .join(', ');
}

function deliveryEntry(
  d: Delivery,
  step: number,
  round: number,
  reason?: string,
): NewTimelineEntry {
  const who =
    d.user && d.user !== d.target ? `${d.target} (${d.user})` : d.target;
  return {
    type: 'notification',
    message: `${d.channel} → ${who}: ${d.outcome}${
      d.detail ? ` (${d.detail})` : ''
    }${reason ? ` [${reason}]` : ''}`,
    actor: `channel:${d.channel}`,
    data: {
      channel: d.channel,
      step,
      round,
      target: d.target,
      ...(d.user ? { user: d.user } : {}),
      outcome: d.outcome,
      ...(d.detail ? { detail: d.detail } : {}),
    },
  };
}

async function forEachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let index = 0;
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (index < items.length) {
        const item = items[index++];
        await fn(item);
      }
    },
  );
  await Promise.all(workers);
}

function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
