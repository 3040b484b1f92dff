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
 * An admin's correction of the edition's limits for one integration
 * (DingTalk revises its tables, and buys of extra call volume raise the
 * quota): each value left out is the edition's.
 * @public
 */
export interface DingtalkLimitsOverride {
  /** Calls per second per API. */
  qps?: number;
  /** Metered calls per natural month. */
  monthlyQuota?: number;
}

/**
 * The limits that apply to an integration: its override where it has one,
 * the edition's table otherwise. Everything that enforces or shows limits
 * reads these.
 * @public
 */
export function effectiveDingtalkLimits(
  edition: DingtalkEdition,
  override?: DingtalkLimitsOverride,
): { qps: number; monthlyQuota: number } {
  const table = DINGTALK_EDITIONS[edition] ?? DINGTALK_EDITIONS.standard;
  return {
    qps: override?.qps ?? table.qps,
    monthlyQuota: override?.monthlyQuota ?? table.monthlyQuota,
  };
}

/**
 * APIs DingTalk does not count against the monthly quota (its list of basic
 * interfaces exempt from the API call volume), by the names the client and
 * the emulator give them. They are still flow controlled, and they still work
 * once the quota is used up. Only those we call and found on that list are
 * here: an API missing from it is merely counted when it need not be.
 * @public
 */
export const DINGTALK_QUOTA_EXEMPT_APIS: readonly string[] = [
  // fetching access tokens
  'oauth2.accessToken',
  'gettoken',
  // user info by the login-free (H5) code
  'user.getuserinfo',
  // user id by mobile number
  'user.getbymobile',
];

/** Whether DingTalk meters `api` against the monthly quota. @public */
export function isDingtalkQuotaExempt(api: string): boolean {
  return DINGTALK_QUOTA_EXEMPT_APIS.includes(api);
}

/**
 * How DingTalk delivers events: HTTP push to a public URL, or Stream mode over
 * a WebSocket the backend opens (no public URL needed).
 * @public
 */
export type DingtalkTransport = 'http' | 'stream';
