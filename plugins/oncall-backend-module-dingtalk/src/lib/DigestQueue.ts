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

import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { isDingtalkGroupThrottled } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { digestCard } from './cards';
import type { ChannelContext } from './context';
import { destKey, hash, parseDestKey, type Destination } from './destinations';
import { DigestStore } from './DigestStore';
import { SendsStore } from './SendsStore';

/** Digest cards sent at once when digests are flushed. */
const DIGEST_FLUSH_CONCURRENCY = 6;
/**
 * A flush that has not sent its batch by then has died: another takes it
 * over. Batches are taken a few at a time, so each is sent well within it.
 */
const FLUSH_LEASE_MS = 20_000;
const BATCHES_PER_TAKE = 4 * DIGEST_FLUSH_CONCURRENCY;
/** Bounds one flush; what is left waits for the next run. */
const MAX_TAKES_PER_FLUSH = 50;
/** Outcomes worth trying again at the next flush rather than recording. */
const TRANSIENT = new Set(['flow controlled']);
/** How long a group DingTalk throttled the robot in is left alone by default. */
const GROUP_THROTTLE_MS = 60_000;

/**
 * The storm switch and the digests, for the whole cluster and durable: past
 * a number of cards a minute (or with little monthly quota left) incidents
 * are kept per destination in the database and go out together as one
 * digest card when the flush task (one replica at a time) runs.
 */
export class DigestQueue {
  private readonly store: DigestStore;
  private readonly sends: SendsStore;
  private usageCache = new Map<string, { at: number; share: number }>();

  constructor(private readonly ctx: ChannelContext) {
    this.store = new DigestStore(ctx.db);
    this.sends = new SendsStore(ctx.db);
  }

  /**
   * Whether the incident's card to the destination goes out now; if not,
   * the incident has been merged into the destination's next digest (a row,
   * so it survives this process). A destination already digesting stays so
   * until its digest went out, so its incidents are not reordered.
   */
  async admit(incident: Incident, dest: Destination): Promise<boolean> {
    const target = destKey(dest);
    const now = this.now();
    const aggregate =
      (await this.store.isDigesting(target)) ||
      (await this.lowQuota(dest.integrationId)) ||
      !(await this.sends.book({
        integrationId: dest.integrationId,
        target,
        now,
        perIntegration: this.ctx.aggregation.maxCardsPerMinute,
        perTarget:
          this.ctx.aggregation.maxCardsPerTargetPerMinute ??
          this.ctx.aggregation.maxCardsPerMinute,
      }));
    if (!aggregate) return true;
    await this.store.add({
      target,
      integrationId: dest.integrationId,
      incident,
      now,
    });
    return false;
  }

  /**
   * DingTalk refused the incident's card because the robot posts too fast
   * into the group (130101, for minutes): the incident waits in the group's
   * digest (a row, like any other), and no digest goes there until the
   * throttle should be over. Nothing is lost, and the group is not hit again
   * while DingTalk would refuse it anyway.
   */
  async deferThrottled(incident: Incident, dest: Destination): Promise<void> {
    const target = destKey(dest);
    const now = this.now();
    await this.store.add({
      target,
      integrationId: dest.integrationId,
      incident,
      now,
    });
    await this.holdGroup(dest, now);
  }

  /**
   * Sends every waiting digest card. Run by the scheduled flush task; a
   * batch is deleted only after its card went out and was recorded.
   */
  async flush(): Promise<void> {
    await this.sends.prune(this.now());
    for (let take = 0; take < MAX_TAKES_PER_FLUSH; take++) {
      const batches = await this.store.take(
        this.now(),
        FLUSH_LEASE_MS,
        BATCHES_PER_TAKE,
      );
      if (batches.length === 0) return;
      // A few digests at a time. One after the other, each digest's round
      // trip and its timeline writes (one per merged incident) held a
      // storm's flush far below the app's QPS (bench/storm.ts); the shared
      // rate limiter still keeps the calls within the limit.
      let next = 0;
      await Promise.all(
        Array.from(
          { length: Math.min(DIGEST_FLUSH_CONCURRENCY, batches.length) },
          async () => {
            while (next < batches.length) await this.sendBatch(batches[next++]);
          },
        ),
      );
    }
  }

  private async sendBatch(batchId: string): Promise<void> {
    const batch = await this.store.batch(batchId);
    if (!batch) return;
    const { incidents } = batch;
    const dest = parseDestKey(batch.target, batch.integrationId);
    const card = digestCard(
      incidents,
      this.ctx.appBaseUrl,
      this.ctx.allowedLinkHosts,
    );
    // One card per batch: a flush taken over sends it again under the same
    // outTrackId, which DingTalk keeps as one card.
    const outTrackId = `oncall-digest-${hash(batchId)}`;
    let outcome: string;
    let detail: string;
    try {
      const { results } = await this.ctx.notifier.send({
        integrationId: dest.integrationId,
        reference: 'oncall-digest',
        users: dest.user ? [dest.user] : [],
        groups: dest.group ? [dest.group] : [],
        message: {
          type: 'card',
          outTrackId,
          title: card.title,
          markdown: card.markdown,
          cardParamMap: card.cardParamMap,
          actions: card.actions,
        },
      });
      outcome = results[0]?.outcome ?? 'failed';
      detail = results[0]?.error ?? '';
    } catch (e) {
      // The dingtalk backend did not answer: the batch stays, and the next
      // flush after its lease sends it again.
      this.ctx.logger.warn(`DingTalk digest ${outTrackId} not sent yet: ${e}`);
      return;
    }
    if (TRANSIENT.has(outcome) && isDingtalkGroupThrottled(detail)) {
      await this.holdGroup(dest, this.now());
      this.ctx.logger.info(
        `DingTalk digest ${outTrackId} flow controlled in its group (130101); tried again after the throttle`,
      );
      return;
    }
    if (TRANSIENT.has(outcome)) {
      this.ctx.logger.info(
        `DingTalk digest ${outTrackId} ${outcome}; tried again later`,
      );
      return;
    }
    for (const incident of incidents) {
      await this.ctx
        .incidents()
        ?.recordTimeline(incident.id, {
          type: 'notification',
          message: `DingTalk digest card with ${
            incidents.length
          } incidents to ${dest.group ?? dest.user}: ${outcome}${
            detail ? ` (${detail})` : ''
          }`,
          data: {
            channel: 'dingtalk',
            outcome,
            target: dest.group ?? dest.user,
            digest: outTrackId,
          },
        })
        .catch(e =>
          this.ctx.logger.warn(
            `Could not record a digest in the timeline: ${e}`,
          ),
        );
    }
    await this.store.remove(batchId);
  }

  private async holdGroup(dest: Destination, now: number) {
    const ms = this.ctx.aggregation.groupThrottleMs ?? GROUP_THROTTLE_MS;
    await this.store.hold(destKey(dest), dest.integrationId, now + ms);
  }

  /** With little monthly quota left, every card waits for a digest. */
  private async lowQuota(integrationId: string): Promise<boolean> {
    const now = this.now();
    const cached = this.usageCache.get(integrationId);
    let share = cached && now - cached.at < 10_000 ? cached.share : undefined;
    if (share === undefined) {
      try {
        const usage = await this.ctx.notifier.usage(integrationId);
        share = 1 - usage.calls / usage.quota;
      } catch {
        share = 1;
      }
      this.usageCache.set(integrationId, { at: now, share });
    }
    return share < this.ctx.aggregation.minQuotaShare;
  }

  private now() {
    return this.ctx.now?.() ?? Date.now();
  }
}
