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

// DingTalk's error shapes, shared by every surface: an ApiError carries the
// new-style `code` (api.dingtalk.com) and the old-style `errcode`
// (oapi.dingtalk.com); the route wrappers in context.ts pick the one the
// API's host answers with.
import crypto from 'node:crypto';
import type { EmuApp } from './state';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errcode?: number,
    /** The old-style host's `errmsg`, when it words the error differently. */
    readonly errmsg?: string,
  ) {
    super(message);
  }
}

// Causes that /topapi's gateway answers as `errcode: 88` (鉴权异常) with the
// cause in `sub_code`/`sub_msg` (DingTalk's global error-code page; a probe of
// /topapi/v2/user/get with a forged token answers 88 / sub_code "40014").
export const GATEWAY_SUB_CODES = new Set([40014, 60011]);

export const newId = (prefix: string) =>
  `${prefix}${crypto.randomBytes(12).toString('hex')}`;

/** The app called one API over its QPS (per app per API; the global per-API limit is 90002). */
export const qpsError = () =>
  new ApiError(
    403,
    'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
    '当前应用调用该接口超过每秒调用次数限制，请稍后重试',
    90018,
  );

export const quotaError = () =>
  new ApiError(
    403,
    'Forbidden.AccessDenied.ApiCountLimitForOrg',
    '当前组织本月调用次数已达上限，请升级版本或下月再试',
    90020,
  );

export const invalidTokenError = () =>
  new ApiError(401, 'InvalidAuthentication', '不合法的access_token', 40014);

export function requirePermission(app: EmuApp, permission: string) {
  if (!app.permissions.includes(permission)) {
    throw new ApiError(
      403,
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      `应用尚未开通所需的权限：[${permission}]`,
      60011,
    );
  }
}

/**
 * A required parameter is missing. api.dingtalk.com's gateway answers 400
 * `Missing<param>` / "<param> is mandatory for this action." (the Alibaba
 * Cloud API gateway's wording, e.g. `Missingbody`); oapi answers errcode
 * 40035 (缺少参数).
 */
export function requireFields(body: any, fields: string[]) {
  for (const f of fields) {
    if (body?.[f] === undefined || body?.[f] === null || body?.[f] === '') {
      throw new ApiError(
        400,
        `Missing${f}`,
        `${f} is mandatory for this action.`,
        40035,
        `缺少参数 ${f}`,
      );
    }
  }
}

/** The new-style error body (api.dingtalk.com). */
export const newStyleError = (code: string, message: string) => ({
  code,
  message,
  requestid: newId(''),
});
