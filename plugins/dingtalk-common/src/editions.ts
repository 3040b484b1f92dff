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

/**
 * DingTalk editions and the API limits that come with them. DingTalk meters
 * calls per organisation per natural month and throttles per app per second;
 * the quota resets on the 1st of each month.
 * @public
 */
export type DingtalkEdition = 'standard' | 'professional' | 'exclusive';

/** @public */
export const DINGTALK_EDITIONS: Record<
  DingtalkEdition,
  { qps: number; monthlyQuota: number; title: string }
> = {
  standard: { qps: 20, monthlyQuota: 10_000, title: 'Standard' },
  professional: { qps: 40, monthlyQuota: 500_000, title: 'Professional' },
  exclusive: { qps: 60, monthlyQuota: 5_500_000, title: 'Exclusive' },
};

/**
 * How DingTalk delivers events: HTTP push to a public URL, or Stream mode over
 * a WebSocket the backend opens (no public URL needed).
 * @public
 */
export type DingtalkTransport = 'http' | 'stream';
