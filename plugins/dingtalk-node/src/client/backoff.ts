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

import type { DingtalkApiError } from './errors';

/**
 * Which of DingTalk's flow controls refused a call. They differ in what
 * waiting achieves:
 * - `app-api`: this app called this API more often than its QPS in the
 *   current second (`90018`, new-style `QpsLimitForAppkeyAndApi`; `90019`
 *   for a third-party app per tenant). The next second is a fresh window.
 * - `api`: the API is over its limit across all of DingTalk's tenants
 *   (`90002`, `QpsLimitForApi`): load we cannot see or count; back off for
 *   longer, and more each time.
 * - `app-api-minute`: the per-minute limit of one API (`90006`).
 * - `robot-group`: a robot posted too fast into one group (`130101`, about
 *   20 messages a minute); DingTalk then refuses it there for minutes, so a
 *   retry within seconds only adds to it.
 * @public
 */
export type DingtalkFlowControlScope =
  | 'app-api'
  | 'api'
  | 'app-api-minute'
  | 'robot-group';

const SCOPES: Record<string, DingtalkFlowControlScope> = {
  '90018': 'app-api',
  '90019': 'app-api',
  'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi': 'app-api',
  Throttling: 'app-api',
  'Throttling.Api': 'api',
  '90002': 'api',
  'Forbidden.AccessDenied.QpsLimitForApi': 'api',
  '90006': 'app-api-minute',
  '130101': 'robot-group',
};

/** The flow control behind a `flow-control` error; undefined for other errors. @public */
export function dingtalkFlowControlScope(
  error: Pick<DingtalkApiError, 'kind' | 'code'>,
): DingtalkFlowControlScope | undefined {
  if (error.kind !== 'flow-control') return undefined;
  // An HTTP 429 without a code of DingTalk's is counted like the app's own.
  return SCOPES[error.code] ?? 'app-api';
}

/**
 * How long to wait before attempt `attempt + 1` after `error`, or undefined
 * when another attempt now is pointless. Full jitter throughout, so that
 * replicas refused together do not come back together.
 * @public
 */
export function dingtalkRetryDelayMs(
  error: Pick<DingtalkApiError, 'kind' | 'code'>,
  attempt: number,
  opts: { random?: () => number; now?: () => number } = {},
): number | undefined {
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  switch (dingtalkFlowControlScope(error)) {
    case 'app-api':
      // DingTalk counts per wall-clock second: the next one has room.
      return 1000 - (now() % 1000) + Math.floor(random() * 200 * attempt);
    case 'api':
    case 'app-api-minute': {
      const cap = Math.min(16_000, 1000 * 2 ** (attempt - 1));
      return Math.floor(cap / 2 + (random() * cap) / 2);
    }
    case 'robot-group':
      return undefined;
    default: {
      const backoff = Math.min(5000, 250 * 2 ** (attempt - 1));
      return Math.floor(random() * backoff) + 50;
    }
  }
}
