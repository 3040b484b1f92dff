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
 * What kind of failure a DingTalk call had; decides retries and how the
 * outcome is recorded (`flow controlled`, `quota exhausted`, `failed`).
 * @public
 */
export type DingtalkErrorKind =
  | 'flow-control'
  | 'quota'
  | 'auth'
  | 'permission'
  | 'client'
  | 'server'
  | 'network';

/** @public */
export class DingtalkApiError extends Error {
  readonly kind: DingtalkErrorKind;
  /**
   * DingTalk's own code: `errcode` (old APIs; its `sub_code` when it has one,
   * as with `errcode: 88`) or `code` (new APIs).
   */
  readonly code: string;
  readonly status: number;
  readonly api: string;

  constructor(opts: {
    kind: DingtalkErrorKind;
    code: string;
    message: string;
    status: number;
    api: string;
  }) {
    super(`${opts.api}: ${opts.message} (${opts.code})`);
    this.name = 'DingtalkApiError';
    this.kind = opts.kind;
    this.code = opts.code;
    this.status = opts.status;
    this.api = opts.api;
  }

  /** Flow control, server errors and broken connections are worth another try. */
  get retryable(): boolean {
    return (
      this.kind === 'flow-control' ||
      this.kind === 'server' ||
      this.kind === 'network'
    );
  }
}

// DingTalk's codes, from its error-code reference: old-style errcodes and
// new-style `code` strings.
const FLOW_CONTROL = new Set([
  '90018', // one app calling one API over the edition's QPS (per app per API)
  '90002', // one API over its limit across all of DingTalk (all tenants, all apps)
  '90006', // one app calling one API over its per-minute limit
  '90019', // a third-party app calling one API for one tenant over its QPS
  '130101', // robot: 发送速度太快而限流 (about 20 messages a minute into one group)
  'Forbidden.AccessDenied.QpsLimitForApi',
  'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
  'Throttling',
  'Throttling.Api',
]);
const QUOTA = new Set(['90020', 'Forbidden.AccessDenied.ApiCountLimitForOrg']);
const AUTH = new Set([
  '40014', // 不合法的access_token
  '40001', // access_token无效 (or a wrong secret when fetching one)
  '42001', // access_token超时
  '40089',
  'InvalidAuthentication',
  'invalidClientIdOrSecret',
]);
const PERMISSION = new Set([
  '60011',
  '60020',
  'Forbidden.AccessDenied.AccessTokenPermissionDenied',
]);

/** Maps DingTalk's answer to an error kind. @public */
export function classifyDingtalkError(
  code: string,
  status: number,
): DingtalkErrorKind {
  if (FLOW_CONTROL.has(code) || status === 429) return 'flow-control';
  if (QUOTA.has(code)) return 'quota';
  if (AUTH.has(code) || status === 401) return 'auth';
  if (PERMISSION.has(code)) return 'permission';
  if (status >= 500 || code === '-1') return 'server';
  return 'client';
}

/** DingTalk's code for a robot posting too fast into one group (about 20 a minute). @public */
export const DINGTALK_ROBOT_GROUP_THROTTLED = '130101';

/**
 * Whether DingTalk refused a post because the robot is throttled in that
 * group (130101, 发送速度太快而限流): as an error of a call, or as the
 * `errorMsg` of one space in a card's `deliverResults`. The group stays
 * refused for minutes: not a failure, and not worth an immediate retry.
 * @public
 */
export function isDingtalkGroupThrottled(
  e: DingtalkApiError | string | null | undefined,
): boolean {
  if (!e) return false;
  if (typeof e !== 'string') return e.code === DINGTALK_ROBOT_GROUP_THROTTLED;
  return /\b130101\b|发送速度太快/.test(e);
}
