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

import { z } from 'zod';
import {
  DINGTALK_EDITIONS,
  DingtalkEdition,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { classifyDingtalkError, DingtalkApiError } from './errors';
import {
  unauthenticatedShare,
  type DingtalkCallLane,
  type DingtalkRateLimiter,
} from './DingtalkRateLimiter';
import type { DingtalkQuotaCounter } from './DingtalkQuotaCounter';
import type { DingtalkTokenProvider } from './DingtalkTokenProvider';

/** An enterprise-internal DingTalk app. @public */
export interface DingtalkAppCredentials {
  clientId: string;
  clientSecret: string;
  corpId: string;
  edition: DingtalkEdition;
}

/** @public */
export interface DingtalkApiClientOptions {
  credentials: DingtalkAppCredentials;
  /** `https://api.dingtalk.com` (new-style APIs). */
  apiBaseUrl: string;
  /** `https://oapi.dingtalk.com` (old-style APIs). */
  oapiBaseUrl: string;
  tokens: DingtalkTokenProvider;
  limiter?: DingtalkRateLimiter;
  quota?: DingtalkQuotaCounter;
  /** Attempts per call, including the first. */
  maxAttempts?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * What calls made for unauthenticated requests (lane `unauthenticated`) may
   * use of the monthly quota. Default: a tenth of the edition's monthly quota
   * per month and a hundredth per day (Standard: 1,000 and 100), so that a
   * flood of sign-in attempts can neither empty the month nor lock sign-in
   * out for the rest of it after one bad day.
   */
  unauthenticatedBudget?: { perDay?: number; perMonth?: number };
}

/**
 * How a call is made. `lane: 'unauthenticated'` for calls an anonymous
 * request causes: a small share of the QPS and of the quota, no retries, no
 * queueing beyond a moment.
 * @public
 */
export interface DingtalkCallOptions {
  lane?: DingtalkCallLane;
}

/** The most users DingTalk accepts in one oToMessages/batchSend call. @public */
export const DINGTALK_BATCH_SEND_MAX_USERS = 20;

const tokenResponse = z.object({
  accessToken: z.string(),
  expireIn: z.number(),
});
const batchSendResponse = z.object({
  processQueryKey: z.string(),
  invalidStaffIdList: z.array(z.string()).optional().default([]),
  flowControlledStaffIdList: z.array(z.string()).optional().default([]),
});
const groupSendResponse = z.object({ processQueryKey: z.string() });
const cardDeliverResponse = z.object({
  success: z.boolean().optional(),
  result: z.object({
    outTrackId: z.string().optional(),
    deliverResults: z
      .array(
        z.object({
          spaceType: z.string().optional(),
          spaceId: z.string(),
          success: z.boolean(),
          errorMsg: z.string().optional().nullable(),
        }),
      )
      .optional()
      .default([]),
  }),
});
const sceneGroupResponse = z.object({
  result: z.object({
    open_conversation_id: z.string(),
    chat_id: z.string().optional(),
  }),
});
const userByMobileResponse = z.object({
  result: z.object({ userid: z.string() }),
});
const userInfoResponse = z.object({
  result: z.object({
    userid: z.string(),
    unionid: z.string().optional(),
    name: z.string().optional(),
  }),
});
const userGetResponse = z.object({
  result: z.object({
    userid: z.string(),
    name: z.string().optional(),
    avatar: z.string().optional(),
    mobile: z.string().optional(),
    email: z.string().optional(),
    org_email: z.string().optional(),
  }),
});
const groupQueryResponse = z.object({
  openConversationId: z.string(),
  title: z.string(),
});

type Request = {
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
};

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

/** Connection errors raised before a request reached DingTalk: safe to retry any call. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The code of a network error whose request may have been carried out. @public */
export const DINGTALK_OUTCOME_UNKNOWN = 'network-outcome-unknown';

/**
 * Typed calls to one DingTalk app's APIs. Every call goes through the shared
 * QPS limiter and the monthly quota counter; flow control, 5xx answers and
 * broken connections are retried with exponential backoff and full jitter,
 * 4xx answers are not; a refused access token is replaced once.
 * @public
 */
export class DingtalkApiClient {
  private readonly opts: DingtalkApiClientOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(opts: DingtalkApiClientOptions) {
    this.opts = opts;
    this.sleep = opts.sleep ?? (ms => new Promise(r => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
  }

  get clientId() {
    return this.opts.credentials.clientId;
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

  /** One-to-one robot messages; at most 20 users per call. */
  async batchSendOToMessages(req: {
    userIds: string[];
    msgKey: string;
    msgParam: unknown;
    robotCode?: string;
  }) {
    if (req.userIds.length > DINGTALK_BATCH_SEND_MAX_USERS) {
      throw new Error(
        `batchSend takes at most ${DINGTALK_BATCH_SEND_MAX_USERS} users`,
      );
    }
    const body = await this.call('robot.oToMessages.batchSend', {
      host: 'api',
      method: 'POST',
      path: '/v1.0/robot/oToMessages/batchSend',
      idempotent: false,
      body: {
        robotCode: req.robotCode ?? this.clientId,
        userIds: req.userIds,
        msgKey: req.msgKey,
        msgParam: JSON.stringify(req.msgParam),
      },
    });
    return this.parse('robot.oToMessages.batchSend', batchSendResponse, body);
  }

  async sendGroupMessage(req: {
    openConversationId: string;
    msgKey: string;
    msgParam: unknown;
    robotCode?: string;
  }) {
    const body = await this.call('robot.groupMessages.send', {
      host: 'api',
      method: 'POST',
      path: '/v1.0/robot/groupMessages/send',
      idempotent: false,
      body: {
        robotCode: req.robotCode ?? this.clientId,
        openConversationId: req.openConversationId,
        msgKey: req.msgKey,
        msgParam: JSON.stringify(req.msgParam),
      },
    });
    return this.parse('robot.groupMessages.send', groupSendResponse, body);
  }

  /** Creates an interactive card and delivers it to group chats and/or people. */
  async createAndDeliverCard(req: {
    outTrackId: string;
    cardTemplateId: string;
    cardParamMap: Record<string, string>;
    groups?: string[];
    users?: string[];
    callbackRouteKey?: string;
    atUserIds?: string[];
    robotCode?: string;
  }) {
    const robotCode = req.robotCode ?? this.clientId;
    const spaces = [
      ...(req.groups ?? []).map(g => `IM_GROUP.${g}`),
      ...(req.users ?? []).map(u => `IM_ROBOT.${u}`),
    ];
    const body = await this.call('card.instances.createAndDeliver', {
      host: 'api',
      method: 'POST',
      path: '/v1.0/card/instances/createAndDeliver',
      body: {
        cardTemplateId: req.cardTemplateId,
        outTrackId: req.outTrackId,
        callbackType: req.callbackRouteKey ? 'HTTP' : 'STREAM',
        callbackRouteKey: req.callbackRouteKey,
        cardData: { cardParamMap: req.cardParamMap },
        openSpaceId: `dtv1.card//${spaces.join(';')}`,
        imGroupOpenSpaceModel: req.groups?.length
          ? { supportForward: true }
          : undefined,
        imGroupOpenDeliverModel: req.groups?.length
          ? {
              robotCode,
              atUserIds: Object.fromEntries(
                (req.atUserIds ?? []).map(u => [u, u]),
              ),
            }
          : undefined,
        imRobotOpenSpaceModel: req.users?.length
          ? { supportForward: true }
          : undefined,
        imRobotOpenDeliverModel: req.users?.length
          ? { spaceType: 'IM_ROBOT', robotCode }
          : undefined,
      },
    });
    return this.parse(
      'card.instances.createAndDeliver',
      cardDeliverResponse,
      body,
    ).result;
  }

  /** Delivers an existing card instance to more group chats and/or people. */
  async deliverCard(req: {
    outTrackId: string;
    groups?: string[];
    users?: string[];
    atUserIds?: string[];
    robotCode?: string;
  }) {
    const robotCode = req.robotCode ?? this.clientId;
    const spaces = [
      ...(req.groups ?? []).map(g => `IM_GROUP.${g}`),
      ...(req.users ?? []).map(u => `IM_ROBOT.${u}`),
    ];
    const body = await this.call('card.instances.deliver', {
      host: 'api',
      method: 'POST',
      path: '/v1.0/card/instances/deliver',
      body: {
        outTrackId: req.outTrackId,
        openSpaceId: `dtv1.card//${spaces.join(';')}`,
        imGroupOpenDeliverModel: req.groups?.length
          ? {
              robotCode,
              atUserIds: Object.fromEntries(
                (req.atUserIds ?? []).map(u => [u, u]),
              ),
            }
          : undefined,
        imRobotOpenDeliverModel: req.users?.length
          ? { spaceType: 'IM_ROBOT', robotCode }
          : undefined,
      },
    });
    const parsed = z
      .object({
        result: z
          .array(
            z.object({
              spaceId: z.string(),
              success: z.boolean(),
              errorMsg: z.string().optional().nullable(),
            }),
          )
          .optional()
          .default([]),
      })
      .safeParse(body);
    return parsed.success ? parsed.data.result : [];
  }

  async updateCard(req: {
    outTrackId: string;
    cardParamMap: Record<string, string>;
  }) {
    await this.call('card.instances.update', {
      host: 'api',
      method: 'PUT',
      path: '/v1.0/card/instances',
      body: {
        outTrackId: req.outTrackId,
        cardData: { cardParamMap: req.cardParamMap },
        cardUpdateOptions: { updateCardDataByKey: true },
      },
    });
  }

  /**
   * Registers (or, with forceUpdate, replaces) the URL DingTalk posts card
   * clicks of `callbackRouteKey` to. With an `apiSecret` DingTalk signs every
   * callback: `x-ddpaas-signature-timestamp` and `x-ddpaas-signature` =
   * base64(HMAC-SHA256(apiSecret, timestamp)).
   */
  async registerCardCallback(req: {
    callbackRouteKey: string;
    callbackUrl: string;
    apiSecret?: string;
  }) {
    await this.call('card.callbacks.register', {
      host: 'api',
      method: 'POST',
      path: '/v1.0/card/callbacks/register',
      body: { ...req, forceUpdate: true },
    });
  }

  /** Title and owner of a group chat the app's Cool App is installed in. */
  async queryGroup(openConversationId: string) {
    const body = await this.call('im.sceneGroups.query', {
      host: 'api',
      method: 'POST',
      path: '/v1.0/im/sceneGroups/query',
      body: { openConversationId },
    });
    return this.parse('im.sceneGroups.query', groupQueryResponse, body);
  }

  /** A scene group from a template (a war room); idempotent by `uuid`. */
  async createSceneGroup(req: {
    title: string;
    templateId: string;
    ownerUserId: string;
    userIds: string[];
    uuid: string;
  }) {
    const body = await this.call('im.chat.scenegroup.create', {
      host: 'oapi',
      method: 'POST',
      path: '/topapi/im/chat/scenegroup/create',
      body: {
        title: req.title,
        template_id: req.templateId,
        owner_user_id: req.ownerUserId,
        user_ids: req.userIds.join(','),
        uuid: req.uuid,
      },
    });
    const parsed = this.parse(
      'im.chat.scenegroup.create',
      sceneGroupResponse,
      body,
    );
    return {
      openConversationId: parsed.result.open_conversation_id,
      chatId: parsed.result.chat_id,
    };
  }

  async addSceneGroupMembers(req: {
    openConversationId: string;
    userIds: string[];
  }) {
    await this.call('im.chat.scenegroup.member.add', {
      host: 'oapi',
      method: 'POST',
      path: '/topapi/im/chat/scenegroup/member/add',
      body: {
        open_conversation_id: req.openConversationId,
        user_ids: req.userIds.join(','),
      },
    });
  }

  async getSceneGroup(
    openConversationId: string,
  ): Promise<Record<string, unknown>> {
    const body = (await this.call('im.chat.scenegroup.get', {
      host: 'oapi',
      method: 'POST',
      path: '/topapi/im/chat/scenegroup/get',
      body: { open_conversation_id: openConversationId },
    })) as any;
    return body.result ?? {};
  }

  /** The DingTalk user with this mobile number, or undefined when none. */
  async getUserByMobile(
    mobile: string,
  ): Promise<{ userId: string } | undefined> {
    try {
      const body = await this.call('user.getbymobile', {
        host: 'oapi',
        method: 'POST',
        path: '/topapi/v2/user/getbymobile',
        body: { mobile },
      });
      return {
        userId: this.parse('user.getbymobile', userByMobileResponse, body)
          .result.userid,
      };
    } catch (e) {
      if (e instanceof DingtalkApiError && e.code === '60121') return undefined;
      throw e;
    }
  }

  /**
   * A user's profile: name, avatar, mobile and email (needs the app's
   * `qyapi_get_member` permission). Empty strings are left out.
   */
  async getUser(userId: string) {
    const body = await this.call('user.get', {
      host: 'oapi',
      method: 'POST',
      path: '/topapi/v2/user/get',
      body: { userid: userId, language: 'zh_CN' },
    });
    const { result } = this.parse('user.get', userGetResponse, body);
    return {
      userId: result.userid,
      name: result.name || undefined,
      avatar: result.avatar || undefined,
      mobile: result.mobile || undefined,
      email: result.email || result.org_email || undefined,
    };
  }

  /**
   * Exchanges an H5 JSAPI auth code (login-free) for the user's identity.
   * Anyone can post a code to the H5 session route: call it in the
   * `unauthenticated` lane from there.
   */
  async getUserInfoByCode(code: string, opts: DingtalkCallOptions = {}) {
    const body = await this.call('user.getuserinfo', {
      host: 'oapi',
      method: 'POST',
      path: '/topapi/v2/user/getuserinfo',
      body: { code },
      lane: opts.lane,
    });
    const { result } = this.parse('user.getuserinfo', userInfoResponse, body);
    return {
      userId: result.userid,
      unionId: result.unionid,
      name: result.name,
    };
  }

  // ---------------------------------------------------------------------------

  private async call(api: string, req: Request): Promise<unknown> {
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
    req: Request,
    token: string | undefined,
  ): Promise<unknown> {
    if (req.lane !== 'unauthenticated') return this.attempts(api, req, token);
    // Anonymous callers wait their turn here, in memory, a few at a time
    // per app and process, rather than all at once in the shared limiter's
    // database where paging waits too.
    const { clientId, edition } = this.opts.credentials;
    const release = await unauthenticatedGate.enter(
      clientId,
      unauthenticatedShare(DINGTALK_EDITIONS[edition].qps),
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
    req: Request,
    token: string | undefined,
  ): Promise<unknown> {
    const lane = req.lane ?? 'default';
    // An anonymous request gets one attempt: retries would spend more of
    // what paging needs on someone who may be guessing.
    const maxAttempts =
      lane === 'unauthenticated' ? 1 : this.opts.maxAttempts ?? 4;
    const { edition, clientId } = this.opts.credentials;
    const metered = req.metered !== false;
    for (let attempt = 1; ; attempt++) {
      if (metered && lane === 'unauthenticated' && this.opts.quota) {
        await this.checkUnauthenticatedBudget(api);
      }
      if (metered && this.opts.quota) {
        const used = await this.opts.quota.monthCalls(clientId);
        if (used >= DINGTALK_EDITIONS[edition].monthlyQuota) {
          throw new DingtalkApiError({
            kind: 'quota',
            code: 'quota-exhausted',
            message: `the monthly quota of ${DINGTALK_EDITIONS[edition].monthlyQuota} calls is used up`,
            status: 0,
            api,
          });
        }
      }
      if (
        metered &&
        this.opts.limiter &&
        !(await this.opts.limiter.acquire(
          clientId,
          DINGTALK_EDITIONS[edition].qps,
          { lane },
        ))
      ) {
        throw laneBusy(api);
      }
      let error: DingtalkApiError;
      try {
        const body = await this.once(api, req, token);
        if (metered) await this.opts.quota?.record(clientId, api, lane);
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
          await this.opts.quota?.record(clientId, api, lane);
        }
      }
      if (!error.retryable || attempt >= maxAttempts) throw error;
      if (req.idempotent === false && error.code === DINGTALK_OUTCOME_UNKNOWN) {
        // At most once: a message recorded as failed beats one sent twice.
        throw error;
      }
      const backoff = Math.min(5000, 250 * 2 ** (attempt - 1));
      await this.sleep(Math.floor(this.random() * backoff) + 50);
    }
  }

  private async checkUnauthenticatedBudget(api: string) {
    const { edition, clientId } = this.opts.credentials;
    const monthly = DINGTALK_EDITIONS[edition].monthlyQuota;
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

  private async once(
    api: string,
    req: Request,
    token: string | undefined,
  ): Promise<unknown> {
    const base =
      req.host === 'api' ? this.opts.apiBaseUrl : this.opts.oapiBaseUrl;
    const url = new URL(`${base.replace(/\/+$/, '')}${req.path}`);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (token && req.host === 'api')
      headers['x-acs-dingtalk-access-token'] = token;
    if (token && req.host === 'oapi')
      url.searchParams.set('access_token', token);
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } })?.cause?.code;
      const unsent = cause !== undefined && NOT_SENT_CODES.has(cause);
      const timedOut = (e as Error)?.name === 'TimeoutError';
      throw new DingtalkApiError({
        kind: 'network',
        code: unsent ? 'network' : DINGTALK_OUTCOME_UNKNOWN,
        message: timedOut
          ? `no answer within ${this.opts.timeoutMs ?? 10_000} ms`
          : `${String((e as Error)?.message ?? e)}${
              cause ? ` (${cause})` : ''
            }`,
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

  private parse<T>(
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
}

/**
 * An old-style (oapi) error answer. DingTalk's gateway answers `errcode: 88`
 * (鉴权异常) with the real cause in `sub_code`, e.g. `40014` for a token it no
 * longer accepts or `60011` for a missing permission, so the sub code is
 * what decides token refresh, flow control and permission; the errcode still
 * decides when the sub code means nothing to us (a server error stays one).
 */
function oapiError(
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
