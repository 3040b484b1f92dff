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

// The public face of the DingTalk client: one method per DingTalk call,
// implemented per API family (robotCalls, cardCalls, groupCalls, userCalls)
// over one transport (DingtalkTransport: token, limiter, quota, retries;
// http: one round trip and its error classification).
import type {
  DingtalkEdition,
  DingtalkLimitsOverride,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type {
  DingtalkCallLane,
  DingtalkRateLimiter,
} from './DingtalkRateLimiter';
import type { DingtalkQuotaCounter } from './DingtalkQuotaCounter';
import type { DingtalkTokenProvider } from './DingtalkTokenProvider';
import { DingtalkTransport } from './DingtalkTransport';
import {
  createAndDeliverCard,
  deliverCard,
  registerCardCallback,
  updateCard,
} from './cardCalls';
import {
  addSceneGroupMembers,
  createSceneGroup,
  getSceneGroup,
  queryGroup,
} from './groupCalls';
import { batchSendOToMessages, sendGroupMessage } from './robotCalls';
import {
  callOldStyle,
  getUser,
  getUserByMobile,
  getUserInfoByCode,
} from './userCalls';

export { DINGTALK_BATCH_SEND_MAX_USERS } from './robotCalls';
export { DINGTALK_OUTCOME_UNKNOWN } from './http';

/** An enterprise-internal DingTalk app. @public */
export interface DingtalkAppCredentials {
  clientId: string;
  clientSecret: string;
  corpId: string;
  edition: DingtalkEdition;
  /** The admin's corrections of the edition's QPS and monthly quota. */
  limits?: DingtalkLimitsOverride;
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
  /**
   * Cancels the call (and its retries) when the caller stops waiting, e.g.
   * the escalation engine's notify timeout: the HTTP request is aborted.
   */
  signal?: AbortSignal;
}

/**
 * Typed calls to one DingTalk app's APIs. Every call goes through the shared
 * QPS limiter and the monthly quota counter; flow control, 5xx answers and
 * broken connections are retried with exponential backoff and full jitter,
 * 4xx answers are not; a refused access token is replaced once.
 * @public
 */
export class DingtalkApiClient {
  private readonly transport: DingtalkTransport;

  constructor(opts: DingtalkApiClientOptions) {
    this.transport = new DingtalkTransport(opts);
  }

  get clientId() {
    return this.transport.clientId;
  }

  /** The QPS (per API) and monthly quota this client keeps to. */
  get limits(): { qps: number; monthlyQuota: number } {
    return this.transport.limits;
  }

  /** Fetches a token straight from DingTalk (the credential test). */
  async fetchAccessToken(): Promise<{
    token: string;
    expiresInSeconds: number;
  }> {
    return this.transport.fetchAccessToken();
  }

  getAccessToken(): Promise<string> {
    return this.transport.getAccessToken();
  }

  /** One-to-one robot messages; at most 20 users per call. */
  async batchSendOToMessages(req: {
    userIds: string[];
    msgKey: string;
    msgParam: unknown;
    robotCode?: string;
  }) {
    return batchSendOToMessages(this.transport, req);
  }

  async sendGroupMessage(req: {
    openConversationId: string;
    msgKey: string;
    msgParam: unknown;
    robotCode?: string;
  }) {
    return sendGroupMessage(this.transport, req);
  }

  /** Creates an interactive card and delivers it to group chats and/or people. */
  async createAndDeliverCard(
    req: {
      outTrackId: string;
      cardTemplateId: string;
      cardParamMap: Record<string, string>;
      groups?: string[];
      users?: string[];
      callbackRouteKey?: string;
      atUserIds?: string[];
      robotCode?: string;
    },
    opts: DingtalkCallOptions = {},
  ) {
    return createAndDeliverCard(this.transport, req, opts);
  }

  /** Delivers an existing card instance to more group chats and/or people. */
  async deliverCard(
    req: {
      outTrackId: string;
      groups?: string[];
      users?: string[];
      atUserIds?: string[];
      robotCode?: string;
    },
    opts: DingtalkCallOptions = {},
  ) {
    return deliverCard(this.transport, req, opts);
  }

  async updateCard(
    req: {
      outTrackId: string;
      cardParamMap: Record<string, string>;
    },
    opts: DingtalkCallOptions = {},
  ) {
    return updateCard(this.transport, req, opts);
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
    return registerCardCallback(this.transport, req);
  }

  /** Title and owner of a group chat the app's Cool App is installed in. */
  async queryGroup(openConversationId: string) {
    return queryGroup(this.transport, openConversationId);
  }

  /** A scene group from a template (a war room); idempotent by `uuid`. */
  async createSceneGroup(req: {
    title: string;
    templateId: string;
    ownerUserId: string;
    userIds: string[];
    uuid: string;
  }) {
    return createSceneGroup(this.transport, req);
  }

  async addSceneGroupMembers(req: {
    openConversationId: string;
    userIds: string[];
  }) {
    return addSceneGroupMembers(this.transport, req);
  }

  async getSceneGroup(
    openConversationId: string,
  ): Promise<Record<string, unknown>> {
    return getSceneGroup(this.transport, openConversationId);
  }

  /** The DingTalk user with this mobile number, or undefined when none. */
  async getUserByMobile(
    mobile: string,
  ): Promise<{ userId: string } | undefined> {
    return getUserByMobile(this.transport, mobile);
  }

  /**
   * A user's profile: name, avatar, mobile and email (needs the app's
   * `qyapi_get_member` permission). Empty strings are left out.
   */
  async getUser(userId: string) {
    return getUser(this.transport, userId);
  }

  /**
   * Exchanges an H5 JSAPI auth code (login-free) for the user's identity.
   * Anyone can post a code to the H5 session route: call it in the
   * `unauthenticated` lane from there.
   */
  async getUserInfoByCode(code: string, opts: DingtalkCallOptions = {}) {
    return getUserInfoByCode(this.transport, code, opts);
  }

  /**
   * An old-style (oapi) POST that no typed method here covers, under the same
   * limiter, quota, retries and token handling (the contact APIs of
   * DingtalkContactsApi are built on it). The caller parses the answer.
   */
  async callOldStyle(api: string, path: string, body: unknown) {
    return callOldStyle(this.transport, api, path, body);
  }
}
