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

import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  type AuthService,
  type DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import type {
  DeliveryRecord,
  DingtalkGroupChat,
  DingtalkIntegration,
  DingtalkMessage,
  DingtalkRobotReplyRequest,
  DingtalkUsage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** @public */
export interface DingtalkSendRequest {
  /** Defaults to the only integration when there is exactly one. */
  integrationId?: string;
  /** What the message is about (e.g. an incident id); kept in the records. */
  reference?: string;
  /** Backstage user entity refs; unlinked people are recorded `app not linked`. */
  users?: string[];
  /** openConversationIds of group chats. */
  groups?: string[];
  message: DingtalkMessage;
}

/** @public */
export interface DingtalkRequestOptions {
  /** Aborts the request (and the DingTalk calls it makes) when signalled. */
  signal?: AbortSignal;
}

/** @public */
export interface DingtalkResolvedUser {
  userEntityRef?: string;
  mobile?: string;
  dingtalkUserId?: string;
  /** Why no DingTalk user was found. */
  reason?: string;
}

/** @public */
export interface DingtalkWarRoomRequest {
  integrationId?: string;
  title: string;
  ownerUserEntityRef?: string;
  ownerMobile?: string;
  members: { userEntityRefs?: string[]; mobiles?: string[] };
  /** Idempotency key: the same uuid never creates a second group. */
  uuid: string;
  reference?: string;
  /** Posted into the new group by the group bot. */
  message?: DingtalkMessage;
}

/** @public */
export interface DingtalkWarRoom {
  /** The integration the group was made with (the default one when the request named none). */
  integrationId: string;
  openConversationId: string;
  chatId?: string;
  invited: DingtalkResolvedUser[];
  notFound: DingtalkResolvedUser[];
  /** The card the group bot posted, when the request's message was a card. */
  cardOutTrackId?: string;
  url: string;
}

/**
 * DingTalk for other backend plugins and modules: send messages and cards,
 * update cards, list group chats, open war rooms. The default implementation
 * calls the dingtalk backend plugin over HTTP with the caller's service
 * credentials, so it works the same whether the plugin runs in this backend
 * or another one.
 * @public
 */
export interface DingtalkNotifierService {
  /**
   * `opts.signal` cancels the send when the caller stops waiting: the
   * request to the dingtalk backend is aborted, and with it the DingTalk
   * calls it is making. Cards are keyed by outTrackId, so a repeat is safe.
   */
  send(
    req: DingtalkSendRequest,
    opts?: DingtalkRequestOptions,
  ): Promise<{ results: DeliveryRecord[] }>;
  updateCard(
    req: {
      integrationId?: string;
      outTrackId: string;
      cardParamMap: Record<string, string>;
    },
    opts?: DingtalkRequestOptions,
  ): Promise<void>;
  listIntegrations(): Promise<DingtalkIntegration[]>;
  listGroups(req: {
    integrationId: string;
    q?: string;
    limit?: number;
    cursor?: string;
  }): Promise<{ items: DingtalkGroupChat[]; nextCursor?: string }>;
  /**
   * The group, if it belongs to the integration: the app is installed there
   * (`kind: 'group'`) or it is a war room of the integration's template
   * (`kind: 'war-room'`); undefined otherwise.
   */
  findGroup(req: {
    integrationId: string;
    openConversationId: string;
  }): Promise<
    | { openConversationId: string; title: string; kind: 'group' | 'war-room' }
    | undefined
  >;
  usage(integrationId: string): Promise<DingtalkUsage>;
  resolveUsers(req: {
    integrationId?: string;
    userEntityRefs?: string[];
    mobiles?: string[];
  }): Promise<{ users: DingtalkResolvedUser[] }>;
  createWarRoom(req: DingtalkWarRoomRequest): Promise<DingtalkWarRoom>;
  /** The integration's group bot posts into an existing war room; returns the card's outTrackId for a card. */
  postToWarRoom(req: {
    integrationId?: string;
    openConversationId: string;
    reference?: string;
    message: DingtalkMessage;
  }): Promise<{ cardOutTrackId?: string }>;
  inviteToWarRoom(req: {
    integrationId?: string;
    openConversationId: string;
    userEntityRefs?: string[];
    mobiles?: string[];
  }): Promise<{
    invited: DingtalkResolvedUser[];
    notFound: DingtalkResolvedUser[];
  }>;
  /**
   * Answers in the conversation of a robot message
   * (`DingtalkRobotMessageEvent` on the events topic
   * `dingtalk.robot.message`), as the robot that received it, through the
   * limiter, the quota and the per-conversation rate.
   */
  reply(req: DingtalkRobotReplyRequest): Promise<{ record: DeliveryRecord }>;
}

/** The HTTP client of the dingtalk backend plugin. @public */
export class DefaultDingtalkNotifier implements DingtalkNotifierService {
  private readonly discovery: Pick<DiscoveryService, 'getBaseUrl'>;
  private readonly auth: Pick<
    AuthService,
    'getOwnServiceCredentials' | 'getPluginRequestToken'
  >;

  constructor(opts: {
    discovery: Pick<DiscoveryService, 'getBaseUrl'>;
    auth: Pick<
      AuthService,
      'getOwnServiceCredentials' | 'getPluginRequestToken'
    >;
  }) {
    this.discovery = opts.discovery;
    this.auth = opts.auth;
  }

  send(req: DingtalkSendRequest, opts?: DingtalkRequestOptions) {
    return this.request<{ results: DeliveryRecord[] }>(
      'POST',
      '/notify/send',
      req,
      opts,
    );
  }

  async updateCard(
    req: {
      integrationId?: string;
      outTrackId: string;
      cardParamMap: Record<string, string>;
    },
    opts?: DingtalkRequestOptions,
  ) {
    await this.request('POST', '/notify/card-update', req, opts);
  }

  listIntegrations() {
    return this.request<DingtalkIntegration[]>('GET', '/integrations');
  }

  async findGroup(req: { integrationId: string; openConversationId: string }) {
    try {
      return await this.request<{
        openConversationId: string;
        title: string;
        kind: 'group' | 'war-room';
      }>(
        'GET',
        `/integrations/${encodeURIComponent(
          req.integrationId,
        )}/groups/${encodeURIComponent(req.openConversationId)}`,
      );
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  listGroups(req: {
    integrationId: string;
    q?: string;
    limit?: number;
    cursor?: string;
  }) {
    const query = new URLSearchParams();
    if (req.q) query.set('q', req.q);
    if (req.limit) query.set('limit', String(req.limit));
    if (req.cursor) query.set('cursor', req.cursor);
    return this.request<{ items: DingtalkGroupChat[]; nextCursor?: string }>(
      'GET',
      `/integrations/${encodeURIComponent(req.integrationId)}/groups?${query}`,
    );
  }

  usage(integrationId: string) {
    return this.request<DingtalkUsage>(
      'GET',
      `/integrations/${encodeURIComponent(integrationId)}/usage`,
    );
  }

  resolveUsers(req: {
    integrationId?: string;
    userEntityRefs?: string[];
    mobiles?: string[];
  }) {
    return this.request<{ users: DingtalkResolvedUser[] }>(
      'POST',
      '/notify/resolve-users',
      req,
    );
  }

  createWarRoom(req: DingtalkWarRoomRequest) {
    return this.request<DingtalkWarRoom>('POST', '/warrooms', req);
  }

  postToWarRoom(req: {
    integrationId?: string;
    openConversationId: string;
    reference?: string;
    message: DingtalkMessage;
  }) {
    const { openConversationId, ...body } = req;
    return this.request<{ cardOutTrackId?: string }>(
      'POST',
      `/warrooms/${encodeURIComponent(openConversationId)}/messages`,
      body,
    );
  }

  inviteToWarRoom(req: {
    integrationId?: string;
    openConversationId: string;
    userEntityRefs?: string[];
    mobiles?: string[];
  }) {
    const { openConversationId, ...body } = req;
    return this.request<{
      invited: DingtalkResolvedUser[];
      notFound: DingtalkResolvedUser[];
    }>(
      'POST',
      `/warrooms/${encodeURIComponent(openConversationId)}/members`,
      body,
    );
  }

  reply(req: DingtalkRobotReplyRequest) {
    return this.request<{ record: DeliveryRecord }>(
      'POST',
      '/notify/robot-reply',
      req,
    );
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    opts?: DingtalkRequestOptions,
  ): Promise<T> {
    const baseUrl = await this.discovery.getBaseUrl('dingtalk');
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: await this.auth.getOwnServiceCredentials(),
      targetPluginId: 'dingtalk',
    });
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts?.signal,
    });
    if (!res.ok) throw await toError(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

/**
 * The dingtalk backend's error as the same @backstage/errors class, with its
 * message (which names what to configure), so callers can show it as it is.
 */
async function toError(res: Response): Promise<Error> {
  const error = await ResponseError.fromResponse(res);
  const message = (error.body as any)?.error?.message ?? error.message;
  const byStatus: Record<number, new (m: string) => Error> = {
    400: InputError,
    401: AuthenticationError,
    403: NotAllowedError,
    404: NotFoundError,
    409: ConflictError,
  };
  const Known = byStatus[res.status];
  if (Known) return new Known(message);
  error.message = message;
  return error;
}

/** @public */
export const dingtalkNotifierServiceRef =
  createServiceRef<DingtalkNotifierService>({
    id: 'dingtalk.notifier',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: { discovery: coreServices.discovery, auth: coreServices.auth },
        factory: ({ discovery, auth }) =>
          new DefaultDingtalkNotifier({ discovery, auth }),
      }),
  });
