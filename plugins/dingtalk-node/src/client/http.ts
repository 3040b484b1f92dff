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

// One HTTP round trip to DingTalk and how its answer becomes a value or a
// DingtalkApiError (old-style errcode/sub_code, new-style code).
import type { z } from 'zod';
import { classifyDingtalkError, DingtalkApiError } from './errors';
import type { DingtalkCallLane } from './DingtalkRateLimiter';

/** One call as the transport makes it. */
export type DingtalkRequest = {
  host: 'api' | 'oapi';
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  /** Token endpoints are neither rate limited nor metered by us. */
  metered?: boolean;
  /**
   * False for calls that DingTalk carries out again when repeated (robot
   * messages have no idempotency key). Such a call is not retried after a
   * failure that leaves its outcome unknown (no answer in time, connection
   * lost after the request was sent): a retry could deliver it twice.
   */
  idempotent?: boolean;
  lane?: DingtalkCallLane;
  signal?: AbortSignal;
};

/** Where and how long: the client's options that one round trip needs. */
export interface HttpOptions {
  apiBaseUrl: string;
  oapiBaseUrl: string;
  timeoutMs?: number;
}

/** Connection errors raised before a request reached DingTalk: safe to retry any call. */
export const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The code of a network error whose request may have been carried out. @public */
export const DINGTALK_OUTCOME_UNKNOWN = 'network-outcome-unknown';

export async function sendOnce(
  opts: HttpOptions,
  api: string,
  req: DingtalkRequest,
  token: string | undefined,
): Promise<unknown> {
  const base = req.host === 'api' ? opts.apiBaseUrl : opts.oapiBaseUrl;
  const url = new URL(`${base.replace(/\/+$/, '')}${req.path}`);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
  };
  if (token && req.host === 'api')
    headers['x-acs-dingtalk-access-token'] = token;
  if (token && req.host === 'oapi') url.searchParams.set('access_token', token);
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: req.signal
        ? AbortSignal.any([
            req.signal,
            AbortSignal.timeout(opts.timeoutMs ?? 10_000),
          ])
        : AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } })?.cause?.code;
    const unsent = cause !== undefined && NOT_SENT_CODES.has(cause);
    const timedOut = (e as Error)?.name === 'TimeoutError';
    throw new DingtalkApiError({
      kind: 'network',
      code: unsent ? 'network' : DINGTALK_OUTCOME_UNKNOWN,
      message: timedOut
        ? `no answer within ${opts.timeoutMs ?? 10_000} ms`
        : `${String((e as Error)?.message ?? e)}${cause ? ` (${cause})` : ''}`,
      status: 0,
      api,
    });
  }
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // DingTalk's gateway sometimes answers bans and outages with HTML.
    throw new DingtalkApiError({
      kind:
        res.status >= 500 || res.status === 429
          ? classifyDingtalkError('', res.status)
          : 'client',
      code: `http-${res.status}`,
      message: `non-JSON answer (HTTP ${res.status})`,
      status: res.status,
      api,
    });
  }
  if (
    req.host === 'oapi' &&
    body &&
    typeof body.errcode === 'number' &&
    body.errcode !== 0
  ) {
    throw new DingtalkApiError({ ...oapiError(body, res.status), api });
  }
  if (!res.ok) {
    const code = String(body?.code ?? `http-${res.status}`);
    throw new DingtalkApiError({
      kind: classifyDingtalkError(code, res.status),
      code,
      message: String(body?.message ?? res.statusText),
      status: res.status,
      api,
    });
  }
  return body;
}

export function parseAnswer<T>(
  api: string,
  schema: z.ZodType<T, any, any>,
  body: unknown,
): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new DingtalkApiError({
      kind: 'server',
      code: 'unexpected-response',
      message: `unexpected response shape: ${parsed.error.issues
        .map(i => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      status: 200,
      api,
    });
  }
  return parsed.data;
}

/**
 * An old-style (oapi) error answer. DingTalk's gateway answers `errcode: 88`
 * (鉴权异常) with the real cause in `sub_code`, e.g. `40014` for a token it no
 * longer accepts or `60011` for a missing permission, so the sub code is
 * what decides token refresh, flow control and permission; the errcode still
 * decides when the sub code means nothing to us (a server error stays one).
 */
export function oapiError(
  body: {
    errcode: number;
    errmsg?: unknown;
    sub_code?: unknown;
    sub_msg?: unknown;
  },
  status: number,
) {
  const errcode = String(body.errcode);
  const errmsg = String(body.errmsg ?? '');
  const sub =
    body.sub_code === undefined || body.sub_code === null
      ? ''
      : String(body.sub_code).trim();
  if (!sub) {
    return {
      kind: classifyDingtalkError(errcode, status),
      code: errcode,
      message: errmsg,
      status,
    };
  }
  const bySub = classifyDingtalkError(sub, status);
  return {
    kind: bySub === 'client' ? classifyDingtalkError(errcode, status) : bySub,
    code: sub,
    message: `errcode ${errcode}: ${errmsg}; sub_code ${sub}: ${String(
      body.sub_msg ?? '',
    )}`,
    status,
  };
}
