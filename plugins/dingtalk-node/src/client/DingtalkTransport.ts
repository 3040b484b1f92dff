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

// Every DingTalk call's way out: the access token (replaced once when
// DingTalk refuses it), the shared QPS limiter, the monthly quota, the
// unauthenticated lane's share, and retries with DingTalk's backoff.
import {
  effectiveDingtalkLimits,
  isDingtalkQuotaExempt,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { z } from 'zod';
import { dingtalkRetryDelayMs } from './backoff';
import { DingtalkApiError } from './errors';
import { unauthenticatedShare } from './DingtalkRateLimiter';
import type {
  DingtalkApiClient,
  DingtalkApiClientOptions,
} from './DingtalkApiClient';
import {
  DINGTALK_OUTCOME_UNKNOWN,
  parseAnswer,
  sendOnce,
  type DingtalkRequest,
} from './http';

function laneBusy(api: string) {
  return new DingtalkApiError({
    kind: 'flow-control',
    code: 'unauthenticated-lane-busy',
    message: 'the share of the QPS kept for unauthenticated requests is in use',
    status: 0,
    api,
  });
}

/** At most `limit` calls of the unauthenticated lane in flight per app in this process. */
const unauthenticatedGate = new (class {
  private readonly inFlight = new Map<string, number>();

  async enter(
    key: string,
    limit: number,
    maxWaitMs: number,
  ): Promise<(() => void) | undefined> {
    const giveUpAt = Date.now() + maxWaitMs;
    while ((this.inFlight.get(key) ?? 0) >= limit) {
      if (Date.now() >= giveUpAt) return undefined;
      await new Promise(r => setTimeout(r, 25 + Math.random() * 25));
    }
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    };
  }
})();

const tokenResponse = z.object({
  accessToken: z.string(),
  expireIn: z.number(),
});

/** The client's way to DingTalk (see DingtalkApiClient for what it does). */
export class DingtalkTransport {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly opts: DingtalkApiClientOptions) {
    this.sleep = opts.sleep ?? (ms => new Promise(r => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
  }

  get clientId() {
    return this.opts.credentials.clientId;
  }

  get limits(): { qps: number; monthlyQuota: number } {
    const { edition, limits } = this.opts.credentials;
    return effectiveDingtalkLimits(edition, limits);
  }

  /** Fetches a token straight from DingTalk (the credential test). */
  async fetchAccessToken(): Promise<{
    token: string;
    expiresInSeconds: number;
  }> {
    const { clientId, clientSecret } = this.opts.credentials;
    const body = await this.send(
      'oauth2.accessToken',
      {
        host: 'api',
        method: 'POST',
        path: '/v1.0/oauth2/accessToken',
        body: { appKey: clientId, appSecret: clientSecret },
        metered: false,
      },
      undefined,
    );
    const parsed = this.parse('oauth2.accessToken', tokenResponse, body);
    return { token: parsed.accessToken, expiresInSeconds: parsed.expireIn };
  }

  getAccessToken(): Promise<string> {
    return this.opts.tokens.get(this.clientId, () => this.fetchAccessToken());
  }

  parse<T>(api: string, schema: z.ZodType<T, any, any>, body: unknown): T {
    return parseAnswer(api, schema, body);
  }

  async call(api: string, req: DingtalkRequest): Promise<unknown> {
    let refreshed = false;
    for (;;) {
      const token = await this.getAccessToken();
      try {
        return await this.send(api, req, token);
      } catch (e) {
        // A token DingTalk no longer accepts (revoked, or expired early):
        // replace it once, for every replica, and try again.
        if (e instanceof DingtalkApiError && e.kind === 'auth' && !refreshed) {
          refreshed = true;
          await this.opts.tokens.invalidate(this.clientId, token);
          continue;
        }
        throw e;
      }
    }
  }

  private async send(
    api: string,
    req: DingtalkRequest,
    token: string | undefined,
  ): Promise<unknown> {
    if (req.lane !== 'unauthenticated') return this.attempts(api, req, token);
    // Anonymous callers wait their turn here, in memory, a few at a time
    // per app and process, rather than all at once in the shared limiter's
    // database where paging waits too.
    const { clientId } = this.opts.credentials;
    const release = await unauthenticatedGate.enter(
      clientId,
      unauthenticatedShare(this.limits.qps),
      2000,
    );
    if (!release) throw laneBusy(api);
    try {
      return await this.attempts(api, req, token);
    } finally {
      release();
    }
  }

  private async attempts(
    api: string,
    req: DingtalkRequest,
    token: string | undefined,
  ): Promise<unknown> {
    const lane = req.lane ?? 'default';
    // An anonymous request gets one attempt: retries would spend more of
    // what paging needs on someone who may be guessing.
    const maxAttempts =
      lane === 'unauthenticated' ? 1 : this.opts.maxAttempts ?? 4;
    const { clientId } = this.opts.credentials;
    const { qps, monthlyQuota } = this.limits;
    const metered = req.metered !== false;
    // Still flow controlled, but not counted in the month, and still working
    // once the quota is used up (as DingTalk does for its exempt APIs).
    const exempt = isDingtalkQuotaExempt(api);
    const record = () =>
      this.opts.quota?.record(clientId, api, lane, { metered: !exempt });
    for (let attempt = 1; ; attempt++) {
      if (metered && lane === 'unauthenticated' && this.opts.quota) {
        await this.checkUnauthenticatedBudget(api);
      }
      if (metered && !exempt && this.opts.quota) {
        const used = await this.opts.quota.monthCalls(clientId);
        if (used >= monthlyQuota) {
          throw new DingtalkApiError({
            kind: 'quota',
            code: 'quota-exhausted',
            message: `the monthly quota of ${monthlyQuota} calls is used up`,
            status: 0,
            api,
          });
        }
      }
      if (
        metered &&
        this.opts.limiter &&
        !(await this.opts.limiter.acquire(clientId, qps, { api, lane }))
      ) {
        throw laneBusy(api);
      }
      let error: DingtalkApiError;
      try {
        const body = await sendOnce(this.opts, api, req, token);
        if (metered) await record();
        return body;
      } catch (e) {
        if (!(e instanceof DingtalkApiError)) throw e;
        error = e;
        if (
          metered &&
          e.kind !== 'network' &&
          e.kind !== 'flow-control' &&
          e.kind !== 'quota'
        ) {
          await record();
        }
      }
      if (!error.retryable || attempt >= maxAttempts) throw error;
      // The caller stopped waiting: no more attempts.
      if (req.signal?.aborted) throw error;
      if (req.idempotent === false && error.code === DINGTALK_OUTCOME_UNKNOWN) {
        // At most once: a message recorded as failed beats one sent twice.
        throw error;
      }
      const delay = dingtalkRetryDelayMs(error, attempt, {
        random: this.random,
      });
      if (delay === undefined) throw error;
      await this.sleep(delay);
    }
  }

  private async checkUnauthenticatedBudget(api: string) {
    const { clientId } = this.opts.credentials;
    const monthly = this.limits.monthlyQuota;
    const perMonth =
      this.opts.unauthenticatedBudget?.perMonth ?? Math.floor(monthly / 10);
    const perDay =
      this.opts.unauthenticatedBudget?.perDay ?? Math.floor(monthly / 100);
    const used = await this.opts.quota!.unauthenticatedCalls(clientId);
    if (used.day >= perDay || used.month >= perMonth) {
      throw new DingtalkApiError({
        kind: 'quota',
        code: 'unauthenticated-budget-exhausted',
        message: `the budget for unauthenticated requests (${perDay} calls a day, ${perMonth} a month) is used up`,
        status: 0,
        api,
      });
    }
  }
}

/** The parameters of one of the client's methods (its implementations take the same). */
export type ClientArgs<K extends keyof DingtalkApiClient> =
  DingtalkApiClient[K] extends (...args: infer A) => any ? A : never;
