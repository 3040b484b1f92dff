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

// The emulator is one closure whose route handlers, push and control functions
// call each other; declaring them in call order is not possible.
/* eslint-disable @typescript-eslint/no-use-before-define */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import express, { Request, Response } from 'express';
import { WebSocketServer, WebSocket } from 'ws';
import {
  cardCallbackSignature,
  decryptFrom,
  encryptFor,
  signature,
} from './crypto';
import {
  ALL_PERMISSIONS,
  EDITION_LIMITS,
  EmuApp,
  EmuCard,
  EmuGroup,
  EmulatorSeed,
  EmulatorState,
  emptyState,
  DEMO_SEED,
} from './state';

/** @public */
export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  seed?: EmulatorSeed;
  /** Load {@link DEMO_SEED}. */
  demo?: boolean;
  /** Clock in ms; tests move it to cross token expiry or month boundaries. */
  now?: () => number;
  /**
   * Waits between event push attempts. DingTalk retries a push whose answer
   * is missing, late or wrong; the default is short so that demos and tests
   * see retries quickly.
   */
  pushRetryDelaysMs?: number[];
  /** How long an event push may take before it counts as failed. */
  pushTimeoutMs?: number;
  /**
   * Between a SYSTEM `disconnect` frame and the gateway closing the socket
   * (DingTalk waits about 10 s; the default here is short for tests).
   */
  streamDisconnectGraceMs?: number;
  /**
   * Web origins whose pages may ask the JSAPI stand-in for an auth code, on
   * top of the origins of each app's event and card callback URLs (the
   * app's own backend, as DingTalk gives codes only to the app's pages).
   */
  allowedOrigins?: string[];
  /**
   * Host names a browser may use to reach the control API (besides
   * localhost, 127.0.0.1, ::1 and `host`): a page that rebinds its own name
   * to 127.0.0.1 is refused.
   */
  allowedHosts?: string[];
  log?: (line: string) => void;
}

/** @public */
export type FaultKind =
  | 'latency'
  | '5xx'
  | 'timeout'
  | 'drop'
  | 'flowControl'
  | 'quota'
  | 'invalidToken';

/** @public */
export interface Fault {
  /** API name as counted in `calls()`, e.g. `robot.oToMessages.batchSend`, or `*`. */
  api: string;
  kind: FaultKind;
  /** Share of matching calls affected, 0..1. */
  share?: number;
  /** Exactly this many matching calls are affected (instead of a share). */
  count?: number;
  ms?: number;
}

/** Everything the tests and the simulator UI can do. @public */
export interface EmulatorControl {
  createCorp(req: { corpId: string; name?: string }): { corpId: string };
  createApp(
    req: Partial<EmuApp> &
      Pick<EmuApp, 'corpId' | 'appKey' | 'appSecret' | 'aesKey' | 'token'>,
  ): EmuApp;
  updateApp(appKey: string, patch: Partial<EmuApp>): EmuApp;
  createUser(req: {
    corpId: string;
    userId: string;
    unionId?: string;
    name: string;
    mobile: string;
    avatar?: string;
    email?: string;
  }): { userId: string };
  createGroup(req: {
    corpId: string;
    title: string;
    ownerUserId: string;
    memberUserIds: string[];
    openConversationId?: string;
    chatId?: string;
  }): EmuGroup;
  createSceneGroupTemplate(req: {
    corpId: string;
    templateId: string;
    botId: string;
  }): void;
  installCoolApp(req: {
    appKey: string;
    openConversationId: string;
  }): Promise<PushResult>;
  uninstallCoolApp(req: {
    appKey: string;
    openConversationId: string;
  }): Promise<PushResult>;
  renameGroup(req: {
    openConversationId: string;
    title: string;
  }): Promise<PushResult[]>;
  sendCheckUrl(req: { appKey: string }): Promise<PushResult>;
  issueAuthCode(req: { appKey: string; userId: string }): { code: string };
  clickCardButton(req: {
    outTrackId: string;
    userId: string;
    actionId: string;
    params?: Record<string, string>;
  }): Promise<{ status: number; response: unknown }>;
  messages(filter?: {
    userId?: string;
    openConversationId?: string;
    appKey?: string;
  }): EmulatorState['messages'];
  cards(filter?: {
    outTrackId?: string;
    openConversationId?: string;
    userId?: string;
  }): EmuCard[];
  groups(filter?: { corpId?: string }): EmuGroup[];
  calls(filter?: { appKey?: string; api?: string }): CallsReport;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  pushLog(filter?: { appKey?: string }): EmulatorState['pushLog'];
  /**
   * Drops the app's stream connections. `graceful` first sends the SYSTEM
   * `disconnect` frame the gateway sends before it closes a connection (e.g.
   * on a gateway deploy), then closes after `streamDisconnectGraceMs`;
   * otherwise the sockets are cut at once, as by a network failure. Frames
   * not ACKed yet stay queued and are re-delivered on the next connection.
   */
  disconnectStreams(req?: { appKey?: string; graceful?: boolean }): number;
  /** Sends the SYSTEM `ping` to each stream connection; resolves to how many answered it. */
  pingStreams(req?: { appKey?: string }): Promise<number>;
  /** Open stream connections (all apps, or one app's). */
  streamConnections(req?: { appKey?: string }): number;
  reset(): void;
}

/** @public */
export interface PushResult {
  delivered: boolean;
  attempts: number;
  transport: 'http' | 'stream';
  error?: string;
}

/** @public */
export interface CallsReport {
  total: number;
  byApp: Record<
    string,
    {
      total: number;
      byApi: Record<string, number>;
      tokenFetches: number;
      maxPerSecond: number;
      rejectedQps: number;
      rejectedQuota: number;
    }
  >;
}

/** @public */
export interface EmulatorHandle {
  baseUrl: string;
  port: number;
  state: EmulatorState;
  control: EmulatorControl;
  close(): Promise<void>;
}

const TOKEN_TTL_S = 7200;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
  }
}

// Causes that /topapi's gateway answers as `errcode: 88` (鉴权异常) with the
// cause in `sub_code`/`sub_msg` (DingTalk's global error-code page; a probe of
// /topapi/v2/user/get with a forged token answers 88 / sub_code "40014").
const GATEWAY_SUB_CODES = new Set([40014, 60011]);

const newId = (prefix: string) =>
  `${prefix}${crypto.randomBytes(12).toString('hex')}`;

/**
 * Starts a DingTalk Open Platform emulator on loopback. Both DingTalk hosts'
 * paths (api.dingtalk.com's `/v1.0/...` and oapi.dingtalk.com's `/gettoken`,
 * `/topapi/...`) are served from the one base URL.
 * @public
 */
export async function createEmulator(
  options: EmulatorOptions = {},
): Promise<EmulatorHandle> {
  const now = options.now ?? (() => Date.now());
  const log = options.log ?? (() => {});
  const retryDelays = options.pushRetryDelaysMs ?? [200, 1000, 3000];
  const pushTimeoutMs = options.pushTimeoutMs ?? 5000;
  let state = emptyState();
  let faults: Array<Fault & { remaining?: number }> = [];
  const sockets = new Set<Socket>();
  const streams = new Map<string, Set<WebSocket>>();
  // connections told to disconnect: the gateway sends them nothing new
  const draining = new WeakSet<WebSocket>();
  // SYSTEM frames (ping) waiting for their answer, by messageId
  const systemReplies = new Map<string, () => void>();
  const graceMs = options.streamDisconnectGraceMs ?? 1000;
  // un-ACKed stream frames per app, re-delivered on the next connection
  const pending = new Map<
    string,
    Map<string, { frame: any; resolve: (data: any) => void }>
  >();
  const tickets = new Map<string, { appKey: string; expiresAt: number }>();
  let baseUrl = '';

  // ---- model helpers -------------------------------------------------------

  const appOf = (appKey: string) => {
    const app = state.apps.get(appKey);
    if (!app) throw new ApiError(404, 'app.not.found', `unknown app ${appKey}`);
    return app;
  };
  const groupOf = (cid: string) => {
    const group = state.groups.get(cid);
    if (!group) {
      throw new ApiError(
        400,
        'resource.not.found',
        `群会话不存在: ${cid}`,
        4000003,
      );
    }
    return group;
  };

  function countCall(appKey: string, api: string) {
    const byApi = state.calls.get(appKey) ?? new Map<string, number>();
    byApi.set(api, (byApi.get(api) ?? 0) + 1);
    state.calls.set(appKey, byApi);
  }

  // per app: current second and calls accepted in it; month and calls in it
  const windows = new Map<
    string,
    { second: number; count: number; month: string; monthCount: number }
  >();
  function admit(app: EmuApp, api: string): void {
    const t = now();
    const second = Math.floor(t / 1000);
    const month = new Date(t).toISOString().slice(0, 7);
    const w = windows.get(app.appKey) ?? {
      second,
      count: 0,
      month,
      monthCount: 0,
    };
    if (w.second !== second) {
      w.second = second;
      w.count = 0;
    }
    if (w.month !== month) {
      w.month = month;
      w.monthCount = 0;
    }
    windows.set(app.appKey, w);
    const limits = EDITION_LIMITS[app.edition];
    const rejected = state.rejected.get(app.appKey) ?? { qps: 0, quota: 0 };
    state.rejected.set(app.appKey, rejected);
    if (w.monthCount >= limits.quota) {
      rejected.quota += 1;
      throw quotaError();
    }
    if (w.count >= limits.qps) {
      rejected.qps += 1;
      throw qpsError();
    }
    w.count += 1;
    w.monthCount += 1;
    state.maxPerSecond.set(
      app.appKey,
      Math.max(state.maxPerSecond.get(app.appKey) ?? 0, w.count),
    );
    countCall(app.appKey, api);
  }

  const qpsError = () =>
    new ApiError(
      403,
      'Forbidden.AccessDenied.QpsLimitForApi',
      '当前应用调用该接口超过每秒调用次数限制，请稍后重试',
      90018,
    );
  const quotaError = () =>
    new ApiError(
      403,
      'Forbidden.AccessDenied.ApiCountLimitForOrg',
      '当前组织本月调用次数已达上限，请升级版本或下月再试',
      90020,
    );

  const invalidTokenError = () =>
    new ApiError(401, 'InvalidAuthentication', '不合法的access_token', 40014);

  function appForToken(token: string | undefined): EmuApp {
    const entry = token ? state.tokens.get(token) : undefined;
    if (!entry || entry.expiresAt <= now() || entry.user) {
      throw invalidTokenError();
    }
    return appOf(entry.appKey);
  }

  function requirePermission(app: EmuApp, permission: string) {
    if (!app.permissions.includes(permission)) {
      throw new ApiError(
        403,
        'Forbidden.AccessDenied.AccessTokenPermissionDenied',
        `应用尚未开通所需的权限：[${permission}]`,
        60011,
      );
    }
  }

  function requireFields(body: any, fields: string[]) {
    for (const f of fields) {
      if (body?.[f] === undefined || body?.[f] === null || body?.[f] === '') {
        throw new ApiError(400, 'MissingParameter', `缺少参数 ${f}`, 40035);
      }
    }
  }

  async function applyFaults(
    api: string,
    req: Request,
  ): Promise<'handled' | undefined> {
    for (const fault of faults) {
      if (fault.api !== '*' && fault.api !== api) continue;
      let hit: boolean;
      if (fault.remaining !== undefined) {
        hit = fault.remaining > 0;
        if (hit) fault.remaining -= 1;
      } else {
        hit = Math.random() < (fault.share ?? 1);
      }
      if (!hit) continue;
      switch (fault.kind) {
        case 'latency':
          await new Promise(r => setTimeout(r, fault.ms ?? 500));
          break;
        case 'drop':
          req.socket.destroy();
          return 'handled';
        case 'timeout':
          setTimeout(() => req.socket.destroy(), fault.ms ?? 30_000);
          return 'handled';
        case '5xx':
          throw new ApiError(503, 'ServiceUnavailable', '系统繁忙', -1);
        case 'flowControl':
          throw qpsError();
        case 'quota':
          throw quotaError();
        case 'invalidToken':
          // DingTalk stopped accepting a token before its expiry (secret
          // reset, app re-authorised): answered as for an unknown token.
          throw invalidTokenError();
        default:
          break;
      }
    }
    return undefined;
  }

  // ---- HTTP ------------------------------------------------------------------

  const app = express();
  app.disable('x-powered-by');
  app.use(browserGuard({ options, apps: () => state.apps.values() }));
  app.use(express.json({ limit: '1mb' }));
  app.use((err: any, _req: Request, res: Response, next: any) => {
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({
        code: 'InvalidParameter',
        message: 'body is not valid JSON',
        requestid: newId(''),
      });
      return;
    }
    next(err);
  });

  type Handler = (req: Request, app: EmuApp) => any;

  /** A new-style (api.dingtalk.com) API: token in a header, errors as HTTP status. */
  function newApi(
    method: 'post' | 'put' | 'get',
    route: string,
    api: string,
    handler: Handler,
  ) {
    app[method](route, async (req, res) => {
      try {
        if ((await applyFaults(api, req)) === 'handled') return;
        const emuApp = appForToken(req.header('x-acs-dingtalk-access-token'));
        admit(emuApp, api);
        const result = await handler(req, emuApp);
        res.status(200).json(result);
      } catch (e) {
        const err =
          e instanceof ApiError
            ? e
            : new ApiError(500, 'InternalError', String(e));
        res
          .status(err.status)
          .json({ code: err.code, message: err.message, requestid: newId('') });
      }
    });
  }

  /** An old-style (oapi.dingtalk.com) API: token in the query, errors as errcode. */
  function oldApi(route: string, api: string, handler: Handler) {
    app.post(route, async (req, res) => {
      try {
        if ((await applyFaults(api, req)) === 'handled') return;
        const emuApp = appForToken(String(req.query.access_token ?? ''));
        admit(emuApp, api);
        const result = await handler(req, emuApp);
        res
          .status(200)
          .json({ errcode: 0, errmsg: 'ok', ...result, request_id: newId('') });
      } catch (e) {
        const err =
          e instanceof ApiError
            ? e
            : new ApiError(500, 'InternalError', String(e), -1);
        // oapi answers 200 with an errcode, except when the service itself fails
        res.status(err.status >= 500 ? err.status : 200).json(
          err.errcode !== undefined && GATEWAY_SUB_CODES.has(err.errcode)
            ? {
                errcode: 88,
                sub_code: String(err.errcode),
                sub_msg: err.message,
                errmsg: `ding talk error[subcode=${err.errcode},submsg=${err.message}]`,
                request_id: newId(''),
              }
            : {
                errcode: err.errcode ?? 400,
                errmsg: err.message,
                request_id: newId(''),
              },
        );
      }
    });
  }

  // access tokens
  function issueToken(appKey: string): string {
    const token = crypto.randomBytes(16).toString('hex');
    state.tokens.set(token, { appKey, expiresAt: now() + TOKEN_TTL_S * 1000 });
    state.tokenFetches.set(appKey, (state.tokenFetches.get(appKey) ?? 0) + 1);
    return token;
  }
  app.post('/v1.0/oauth2/accessToken', (req, res) => {
    const { appKey, appSecret } = req.body ?? {};
    const emuApp = appKey ? state.apps.get(appKey) : undefined;
    if (!appKey || !appSecret) {
      res.status(400).json({
        code: 'MissingParameter',
        message: '缺少参数 appKey 或 appSecret',
        requestid: newId(''),
      });
      return;
    }
    if (!emuApp || emuApp.appSecret !== appSecret) {
      res.status(400).json({
        code: 'invalidClientIdOrSecret',
        message: '无效的clientId或者clientSecret',
        requestid: newId(''),
      });
      return;
    }
    res.json({ accessToken: issueToken(appKey), expireIn: TOKEN_TTL_S });
  });
  app.get('/gettoken', (req, res) => {
    const appKey = String(req.query.appkey ?? '');
    const appSecret = String(req.query.appsecret ?? '');
    const emuApp = state.apps.get(appKey);
    if (!emuApp || emuApp.appSecret !== appSecret) {
      res.json({ errcode: 40089, errmsg: '不合法的appKey或appSecret' });
      return;
    }
    res.json({
      errcode: 0,
      errmsg: 'ok',
      access_token: issueToken(appKey),
      expires_in: TOKEN_TTL_S,
    });
  });

  // robot messages
  function parseMsgParam(raw: unknown): Record<string, unknown> {
    if (typeof raw !== 'string') {
      throw new ApiError(
        400,
        'InvalidParameter',
        'msgParam must be a JSON string',
      );
    }
    try {
      return JSON.parse(raw);
    } catch {
      throw new ApiError(400, 'InvalidParameter', 'msgParam is not valid JSON');
    }
  }
  function checkRobot(emuApp: EmuApp, robotCode: string) {
    const isGroupBot = [...state.templates.values()].some(
      t => t.botId === robotCode && t.corpId === emuApp.corpId,
    );
    if (robotCode !== emuApp.appKey && !isGroupBot) {
      throw new ApiError(
        400,
        'robot.not.exist',
        `robotCode ${robotCode} 不存在`,
      );
    }
  }
  newApi(
    'post',
    '/v1.0/robot/oToMessages/batchSend',
    'robot.oToMessages.batchSend',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, ['robotCode', 'userIds', 'msgKey', 'msgParam']);
      requirePermission(emuApp, 'qyapi_robot_sendmsg');
      checkRobot(emuApp, body.robotCode);
      if (!Array.isArray(body.userIds) || body.userIds.length === 0) {
        throw new ApiError(
          400,
          'InvalidParameter',
          'userIds must be a non-empty array',
        );
      }
      if (body.userIds.length > 20) {
        throw new ApiError(
          400,
          'InvalidParameter.UserIds.Exceed',
          'userIds 最多 20 个',
        );
      }
      const msgParam = parseMsgParam(body.msgParam);
      const invalid: string[] = [];
      for (const userId of body.userIds) {
        const user = state.users.get(userId);
        if (!user || user.corpId !== emuApp.corpId) {
          invalid.push(userId);
          continue;
        }
        state.messages.push({
          id: newId('m'),
          appKey: emuApp.appKey,
          space: 'user',
          userId,
          robotCode: body.robotCode,
          msgKey: body.msgKey,
          msgParam,
          at: now(),
        });
      }
      return {
        processQueryKey: newId('pqk'),
        invalidStaffIdList: invalid,
        flowControlledStaffIdList: [],
      };
    },
  );
  newApi(
    'post',
    '/v1.0/robot/groupMessages/send',
    'robot.groupMessages.send',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, [
        'robotCode',
        'openConversationId',
        'msgKey',
        'msgParam',
      ]);
      requirePermission(emuApp, 'qyapi_robot_sendmsg');
      checkRobot(emuApp, body.robotCode);
      const group = groupOf(body.openConversationId);
      const robotInGroup =
        group.coolApps.includes(emuApp.appKey) ||
        (group.botId !== undefined && group.botId === body.robotCode);
      if (!robotInGroup) {
        throw new ApiError(
          400,
          'robot.not.in.group',
          '机器人不在群内（请先在群中安装酷应用）',
        );
      }
      state.messages.push({
        id: newId('m'),
        appKey: emuApp.appKey,
        space: 'group',
        openConversationId: group.openConversationId,
        robotCode: body.robotCode,
        msgKey: body.msgKey,
        msgParam: parseMsgParam(body.msgParam),
        at: now(),
      });
      return { processQueryKey: newId('pqk') };
    },
  );

  /**
   * A group card is posted by a robot that is in the group: the app's own
   * robot where its Cool App is installed, or the scene group's template bot
   * (`imGroupOpenDeliverModel.robotCode`).
   */
  function deliverTo(
    emuApp: EmuApp,
    openSpaceId: string,
    groupRobotCode?: string,
  ) {
    const spaces = openSpaceId
      .replace(/^dtv1\.card\/\//, '')
      .split(';')
      .filter(Boolean);
    return spaces.map(space => {
      const [type, id] = space.split('.', 2) as [string, string];
      if (type === 'IM_GROUP') {
        const group = state.groups.get(id);
        const robot = groupRobotCode ?? emuApp.appKey;
        const ok =
          !!group &&
          group.corpId === emuApp.corpId &&
          ((robot === emuApp.appKey &&
            group.coolApps.includes(emuApp.appKey)) ||
            (group.botId !== undefined && group.botId === robot));
        return {
          spaceType: type,
          spaceId: id,
          success: ok,
          errorMsg: ok ? undefined : 'robot not in group',
          carrierId: newId('c'),
        };
      }
      if (type === 'IM_ROBOT') {
        const user = state.users.get(id);
        const ok = !!user && user.corpId === emuApp.corpId;
        return {
          spaceType: type,
          spaceId: id,
          success: ok,
          errorMsg: ok ? undefined : 'user not found',
          carrierId: newId('c'),
        };
      }
      return {
        spaceType: type,
        spaceId: id,
        success: false,
        errorMsg: 'unsupported space',
        carrierId: '',
      };
    });
  }

  // interactive cards
  newApi(
    'post',
    '/v1.0/card/instances/createAndDeliver',
    'card.instances.createAndDeliver',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, ['cardTemplateId', 'outTrackId', 'openSpaceId']);
      const groupRobotCode = body.imGroupOpenDeliverModel?.robotCode;
      const deliverResults = deliverTo(
        emuApp,
        String(body.openSpaceId),
        groupRobotCode,
      );
      const delivered = deliverResults
        .filter(r => r.success)
        .map(r => `${r.spaceType}.${r.spaceId}`);
      const existing = state.cards.get(body.outTrackId);
      const cardParamMap = { ...(body.cardData?.cardParamMap ?? {}) };
      const card: EmuCard = existing ?? {
        outTrackId: body.outTrackId,
        appKey: emuApp.appKey,
        cardTemplateId: body.cardTemplateId,
        callbackType: body.callbackType ?? 'STREAM',
        callbackRouteKey: body.callbackRouteKey,
        groupRobotCode,
        cardParamMap,
        spaces: [],
        atUserIds: [],
        history: [],
        createdAt: now(),
        updatedAt: now(),
      };
      card.spaces = [...new Set([...card.spaces, ...delivered])];
      card.atUserIds = body.imGroupOpenDeliverModel?.atUserIds
        ? Object.keys(body.imGroupOpenDeliverModel.atUserIds)
        : card.atUserIds;
      if (existing) {
        card.cardParamMap = { ...card.cardParamMap, ...cardParamMap };
        card.updatedAt = now();
      }
      card.history.push({ at: now(), cardParamMap: { ...card.cardParamMap } });
      state.cards.set(card.outTrackId, card);
      return {
        success: true,
        result: { outTrackId: body.outTrackId, deliverResults },
      };
    },
  );
  newApi(
    'post',
    '/v1.0/card/instances/deliver',
    'card.instances.deliver',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, ['outTrackId', 'openSpaceId']);
      const card = state.cards.get(body.outTrackId);
      if (!card || card.appKey !== emuApp.appKey) {
        throw new ApiError(
          400,
          'card.not.exist',
          `卡片 ${body.outTrackId} 不存在`,
        );
      }
      const results = deliverTo(
        emuApp,
        String(body.openSpaceId),
        body.imGroupOpenDeliverModel?.robotCode,
      );
      card.spaces = [
        ...new Set([
          ...card.spaces,
          ...results
            .filter(r => r.success)
            .map(r => `${r.spaceType}.${r.spaceId}`),
        ]),
      ];
      if (body.imGroupOpenDeliverModel?.atUserIds) {
        card.atUserIds = [
          ...new Set([
            ...card.atUserIds,
            ...Object.keys(body.imGroupOpenDeliverModel.atUserIds),
          ]),
        ];
      }
      return { success: true, result: results };
    },
  );
  newApi(
    'put',
    '/v1.0/card/instances',
    'card.instances.update',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, ['outTrackId']);
      const card = state.cards.get(body.outTrackId);
      if (!card || card.appKey !== emuApp.appKey) {
        throw new ApiError(
          400,
          'card.not.exist',
          `卡片 ${body.outTrackId} 不存在`,
        );
      }
      const update = body.cardData?.cardParamMap ?? {};
      card.cardParamMap =
        body.cardUpdateOptions?.updateCardDataByKey === false
          ? { ...update }
          : { ...card.cardParamMap, ...update };
      card.updatedAt = now();
      card.history.push({ at: now(), cardParamMap: { ...card.cardParamMap } });
      return { success: true, result: true };
    },
  );
  newApi(
    'post',
    '/v1.0/card/callbacks/register',
    'card.callbacks.register',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, ['callbackRouteKey', 'callbackUrl']);
      emuApp.cardCallbackRouteKey = body.callbackRouteKey;
      emuApp.cardCallbackUrl = body.callbackUrl;
      // Like DingTalk: callbacks are signed only when an apiSecret was given.
      emuApp.cardApiSecret =
        typeof body.apiSecret === 'string' && body.apiSecret.length > 0
          ? body.apiSecret
          : undefined;
      return {
        success: true,
        result: {
          callbackUrl: body.callbackUrl,
          ...(emuApp.cardApiSecret ? { apiSecret: emuApp.cardApiSecret } : {}),
        },
      };
    },
  );

  // group info (normal groups, where the Cool App is installed)
  newApi(
    'post',
    '/v1.0/im/sceneGroups/query',
    'im.sceneGroups.query',
    (req, emuApp) => {
      requireFields(req.body, ['openConversationId']);
      requirePermission(emuApp, 'qyapi_chat_read');
      const group = groupOf(req.body.openConversationId);
      if (group.corpId !== emuApp.corpId)
        throw new ApiError(403, 'Forbidden', '无权访问该群');
      return {
        openConversationId: group.openConversationId,
        title: group.title,
        ownerStaffId: group.ownerUserId,
        memberAmount: group.members.length,
        icon: '',
      };
    },
  );

  // scene groups (war rooms)
  const split = (v: unknown) =>
    (Array.isArray(v) ? v : String(v ?? '').split(','))
      .map(s => String(s).trim())
      .filter(Boolean);
  oldApi(
    '/topapi/im/chat/scenegroup/create',
    'im.chat.scenegroup.create',
    (req, emuApp) => {
      const body = req.body ?? {};
      requireFields(body, ['title', 'template_id', 'owner_user_id']);
      requirePermission(emuApp, 'qyapi_chat_manage');
      const template = state.templates.get(body.template_id);
      if (!template || template.corpId !== emuApp.corpId) {
        throw new ApiError(
          400,
          'template.not.found',
          `群模板 ${body.template_id} 不存在或未启用`,
          4000003,
        );
      }
      if (body.uuid) {
        const existing = [...state.groups.values()].find(
          g => g.uuid === body.uuid && g.corpId === emuApp.corpId,
        );
        if (existing) {
          return {
            success: true,
            result: {
              open_conversation_id: existing.openConversationId,
              chat_id: existing.chatId,
            },
          };
        }
      }
      const members = new Set([body.owner_user_id, ...split(body.user_ids)]);
      for (const userId of members) {
        if (!state.users.has(userId))
          throw new ApiError(
            400,
            'user.not.found',
            `用户 ${userId} 不存在`,
            60121,
          );
      }
      const group: EmuGroup = {
        corpId: emuApp.corpId,
        openConversationId: newId('cid'),
        chatId: newId('chat'),
        title: String(body.title),
        ownerUserId: body.owner_user_id,
        members: [...members],
        coolApps: [],
        templateId: template.templateId,
        botId: template.botId,
        uuid: body.uuid,
      };
      state.groups.set(group.openConversationId, group);
      return {
        success: true,
        result: {
          open_conversation_id: group.openConversationId,
          chat_id: group.chatId,
        },
      };
    },
  );
  const memberChange = (add: boolean) => (req: Request, emuApp: EmuApp) => {
    requireFields(req.body, ['open_conversation_id', 'user_ids']);
    requirePermission(emuApp, 'qyapi_chat_manage');
    const group = groupOf(req.body.open_conversation_id);
    for (const userId of split(req.body.user_ids)) {
      if (!state.users.has(userId))
        throw new ApiError(
          400,
          'user.not.found',
          `用户 ${userId} 不存在`,
          60121,
        );
      group.members = add
        ? [...new Set([...group.members, userId])]
        : group.members.filter(m => m !== userId);
    }
    return { success: true };
  };
  oldApi(
    '/topapi/im/chat/scenegroup/member/add',
    'im.chat.scenegroup.member.add',
    memberChange(true),
  );
  oldApi(
    '/topapi/im/chat/scenegroup/member/delete',
    'im.chat.scenegroup.member.delete',
    memberChange(false),
  );
  oldApi('/topapi/im/chat/scenegroup/get', 'im.chat.scenegroup.get', req => {
    requireFields(req.body, ['open_conversation_id']);
    const group = groupOf(req.body.open_conversation_id);
    return {
      success: true,
      result: {
        open_conversation_id: group.openConversationId,
        chat_id: group.chatId,
        title: group.title,
        owner_staff_id: group.ownerUserId,
        template_id: group.templateId,
        group_url: `dingtalk://dingtalkclient/page/link?url=${encodeURIComponent(
          `${baseUrl}/#group/${group.openConversationId}`,
        )}`,
      },
    };
  });

  // users
  oldApi('/topapi/v2/user/getbymobile', 'user.getbymobile', (req, emuApp) => {
    requireFields(req.body, ['mobile']);
    requirePermission(emuApp, 'qyapi_get_member_by_mobile');
    const user = [...state.users.values()].find(
      u => u.mobile === String(req.body.mobile) && u.corpId === emuApp.corpId,
    );
    if (!user) throw new ApiError(400, 'user.not.found', '找不到该用户', 60121);
    return { result: { userid: user.userId } };
  });
  oldApi('/topapi/v2/user/get', 'user.get', (req, emuApp) => {
    requireFields(req.body, ['userid']);
    requirePermission(emuApp, 'qyapi_get_member');
    const user = state.users.get(String(req.body.userid));
    if (!user || user.corpId !== emuApp.corpId)
      throw new ApiError(400, 'user.not.found', '找不到该用户', 60121);
    return {
      result: {
        userid: user.userId,
        unionid: user.unionId,
        name: user.name,
        avatar: user.avatar ?? '',
        mobile: user.mobile,
        email: user.email ?? '',
      },
    };
  });
  oldApi('/topapi/v2/user/getuserinfo', 'user.getuserinfo', (req, emuApp) => {
    requireFields(req.body, ['code']);
    const entry = state.authCodes.get(String(req.body.code));
    if (!entry || entry.appKey !== emuApp.appKey || entry.expiresAt <= now()) {
      throw new ApiError(400, 'invalid.code', '不存在的临时授权码', 40078);
    }
    state.authCodes.delete(String(req.body.code));
    const user = state.users.get(entry.userId)!;
    return {
      result: {
        userid: user.userId,
        unionid: user.unionId,
        name: user.name,
        sys: false,
        sys_level: 0,
      },
    };
  });
  // web OAuth (login with DingTalk in a browser)
  app.post('/v1.0/oauth2/userAccessToken', (req, res) => {
    const { clientId, clientSecret, code } = req.body ?? {};
    const emuApp = clientId ? state.apps.get(clientId) : undefined;
    const entry = code ? state.authCodes.get(code) : undefined;
    if (
      !emuApp ||
      emuApp.appSecret !== clientSecret ||
      !entry ||
      entry.appKey !== clientId
    ) {
      res.status(400).json({
        code: 'invalidCode',
        message: '无效的授权码',
        requestid: newId(''),
      });
      return;
    }
    state.authCodes.delete(code);
    const token = crypto.randomBytes(16).toString('hex');
    state.tokens.set(token, {
      appKey: clientId,
      expiresAt: now() + TOKEN_TTL_S * 1000,
      user: entry.userId,
    });
    res.json({
      accessToken: token,
      refreshToken: crypto.randomBytes(16).toString('hex'),
      expireIn: TOKEN_TTL_S,
      corpId: emuApp.corpId,
    });
  });
  app.get('/v1.0/contact/users/me', (req, res) => {
    const entry = state.tokens.get(
      req.header('x-acs-dingtalk-access-token') ?? '',
    );
    const user = entry?.user ? state.users.get(entry.user) : undefined;
    if (!user || entry!.expiresAt <= now()) {
      res.status(401).json({
        code: 'InvalidAuthentication',
        message: '不合法的access_token',
        requestid: newId(''),
      });
      return;
    }
    res.json({
      nick: user.name,
      unionId: user.unionId,
      openId: user.unionId,
      mobile: user.mobile,
      stateCode: '86',
    });
  });

  // stream mode: connection ticket
  app.post('/v1.0/gateway/connections/open', (req, res) => {
    const { clientId, clientSecret } = req.body ?? {};
    const emuApp = clientId ? state.apps.get(clientId) : undefined;
    if (!emuApp || emuApp.appSecret !== clientSecret) {
      res.status(401).json({
        code: 'InvalidAuthentication',
        message: '无效的clientId或者clientSecret',
        requestid: newId(''),
      });
      return;
    }
    const ticket = crypto.randomBytes(16).toString('hex');
    tickets.set(ticket, { appKey: emuApp.appKey, expiresAt: now() + 90_000 });
    res.json({ endpoint: `${baseUrl.replace(/^http/, 'ws')}/connect`, ticket });
  });

  // ---- event push ------------------------------------------------------------

  async function pushHttp(
    emuApp: EmuApp,
    event: Record<string, unknown>,
  ): Promise<PushResult> {
    const eventType = String(event.EventType);
    if (!emuApp.eventUrl) {
      return {
        delivered: false,
        attempts: 0,
        transport: 'http',
        error: 'no event subscription URL',
      };
    }
    const payload = JSON.stringify(event);
    let attempts = 0;
    let lastError = '';
    for (const delay of [0, ...retryDelays]) {
      if (delay) await new Promise(r => setTimeout(r, delay));
      attempts += 1;
      const encrypt = encryptFor(emuApp.aesKey, emuApp.appKey, payload);
      const timestamp = String(now());
      const nonce = crypto.randomBytes(4).toString('hex');
      const sig = signature(emuApp.token, timestamp, nonce, encrypt);
      const url = new URL(emuApp.eventUrl);
      url.searchParams.set('signature', sig);
      url.searchParams.set('msg_signature', sig);
      url.searchParams.set('timestamp', timestamp);
      url.searchParams.set('nonce', nonce);
      const entry = {
        appKey: emuApp.appKey,
        eventType,
        url: emuApp.eventUrl,
        attempt: attempts,
        ok: false,
        at: now(),
      } as EmulatorState['pushLog'][number];
      state.pushLog.push(entry);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ encrypt }),
          signal: AbortSignal.timeout(pushTimeoutMs),
        });
        entry.status = res.status;
        const reply: any = await res.json().catch(() => undefined);
        const verified =
          res.status === 200 &&
          reply &&
          typeof reply.encrypt === 'string' &&
          signature(
            emuApp.token,
            String(reply.timeStamp),
            String(reply.nonce),
            reply.encrypt,
          ) === reply.msg_signature &&
          decryptFrom(emuApp.aesKey, reply.encrypt)?.message === 'success' &&
          decryptFrom(emuApp.aesKey, reply.encrypt)?.receiverId ===
            emuApp.appKey;
        if (verified) {
          entry.ok = true;
          return { delivered: true, attempts, transport: 'http' };
        }
        lastError = `answer ${res.status} was not the encrypted "success"`;
      } catch (e) {
        lastError = String((e as Error).message ?? e);
      }
      entry.error = lastError;
      log(
        `push ${eventType} to ${emuApp.eventUrl} failed (attempt ${attempts}): ${lastError}`,
      );
    }
    return { delivered: false, attempts, transport: 'http', error: lastError };
  }

  function sendFrame(appKey: string, frame: any): Promise<any> {
    return new Promise(resolve => {
      const queue = pending.get(appKey) ?? new Map();
      pending.set(appKey, queue);
      queue.set(frame.headers.messageId, { frame, resolve });
      for (const ws of streams.get(appKey) ?? []) {
        if (ws.readyState === WebSocket.OPEN && !draining.has(ws)) {
          ws.send(JSON.stringify(frame));
          return;
        }
      }
      // no connection: re-delivered when the app connects
    });
  }

  async function pushStream(
    emuApp: EmuApp,
    event: Record<string, unknown>,
  ): Promise<PushResult> {
    const { EventType, ...data } = event;
    const eventId = newId('evt');
    const frame = {
      specVersion: '1.0',
      type: 'EVENT',
      headers: {
        appId: emuApp.appKey,
        connectionId: 'emulator',
        contentType: 'application/json',
        eventBornTime: String(now()),
        eventCorpId: emuApp.corpId,
        eventId,
        eventType: EventType,
        eventUnifiedAppId: emuApp.appKey,
        messageId: newId('msg'),
        time: String(now()),
        topic: '*',
      },
      data: JSON.stringify(data),
    };
    const acked = sendFrame(emuApp.appKey, frame).then(() => true);
    const connected = (streams.get(emuApp.appKey)?.size ?? 0) > 0;
    const result = await Promise.race([
      acked,
      new Promise<false>(r =>
        setTimeout(() => r(false), pushTimeoutMs).unref(),
      ),
    ]);
    return {
      delivered: result,
      attempts: 1,
      transport: 'stream',
      error: streamError(result, connected),
    };
  }

  function streamError(acked: boolean, connected: boolean) {
    if (acked) return undefined;
    return connected ? 'not acknowledged yet' : 'no stream connection; queued';
  }

  function push(
    emuApp: EmuApp,
    event: Record<string, unknown>,
  ): Promise<PushResult> {
    return emuApp.transport === 'stream'
      ? pushStream(emuApp, event)
      : pushHttp(emuApp, event);
  }

  // ---- stream gateway (WebSocket) -------------------------------------------

  function systemFrame(topic: 'ping' | 'disconnect', data: object) {
    return {
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: {
        contentType: 'application/json',
        messageId: newId('msg'),
        time: String(now()),
        topic,
      },
      data: JSON.stringify(data),
    };
  }

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws: WebSocket, appKey: string) => {
    const set = streams.get(appKey) ?? new Set();
    set.add(ws);
    streams.set(appKey, set);
    ws.on('message', raw => {
      let msg: any;
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return;
      }
      const messageId = msg?.headers?.messageId;
      const systemReply = messageId ? systemReplies.get(messageId) : undefined;
      if (systemReply && Number(msg.code) === 200) {
        systemReplies.delete(messageId);
        systemReply();
        return;
      }
      const entry = messageId ? pending.get(appKey)?.get(messageId) : undefined;
      if (entry && Number(msg.code) === 200) {
        pending.get(appKey)!.delete(messageId);
        let data: any = msg.data;
        try {
          data = typeof data === 'string' ? JSON.parse(data) : data;
        } catch {
          // leave as is
        }
        entry.resolve(data);
      }
    });
    ws.on('close', () => set.delete(ws));
    // re-deliver what the previous connection did not acknowledge
    for (const { frame } of pending.get(appKey)?.values() ?? []) {
      ws.send(JSON.stringify(frame));
    }
  });

  // ---- control -----------------------------------------------------------------

  function loadSeed(seed: EmulatorSeed) {
    for (const c of seed.corps ?? []) control.createCorp(c);
    for (const a of seed.apps ?? []) control.createApp(a);
    for (const u of seed.users ?? []) control.createUser(u);
    for (const g of seed.groups ?? []) control.createGroup(g);
    for (const t of seed.templates ?? []) control.createSceneGroupTemplate(t);
  }

  const control: EmulatorControl = {
    createCorp({ corpId, name }) {
      state.corps.set(corpId, { corpId, name: name ?? corpId });
      return { corpId };
    },
    createApp(req) {
      if (!state.corps.has(req.corpId))
        control.createCorp({ corpId: req.corpId });
      if (!/^[A-Za-z0-9+/]{43}$/.test(req.aesKey)) {
        throw new ApiError(
          400,
          'InvalidParameter',
          'aesKey must be 43 base64 characters',
        );
      }
      const created: EmuApp = {
        agentId: '1',
        edition: 'standard',
        transport: 'http',
        permissions: [...ALL_PERMISSIONS],
        coolAppCode: `COOLAPP-${req.appKey}`,
        ...req,
      } as EmuApp;
      state.apps.set(created.appKey, created);
      return created;
    },
    updateApp(appKey, patch) {
      const existing = appOf(appKey);
      Object.assign(existing, patch, { appKey });
      return existing;
    },
    createUser(req) {
      state.users.set(req.userId, { unionId: `union-${req.userId}`, ...req });
      return { userId: req.userId };
    },
    createGroup(req) {
      const group: EmuGroup = {
        corpId: req.corpId,
        openConversationId: req.openConversationId ?? newId('cid'),
        chatId: req.chatId ?? newId('chat'),
        title: req.title,
        ownerUserId: req.ownerUserId,
        members: [...new Set([req.ownerUserId, ...req.memberUserIds])],
        coolApps: [],
      };
      state.groups.set(group.openConversationId, group);
      return group;
    },
    createSceneGroupTemplate(req) {
      state.templates.set(req.templateId, { ...req });
    },
    async installCoolApp({ appKey, openConversationId }) {
      const emuApp = appOf(appKey);
      const group = groupOf(openConversationId);
      if (!group.coolApps.includes(appKey)) group.coolApps.push(appKey);
      return push(emuApp, {
        EventType: 'im_cool_app_install',
        CorpId: emuApp.corpId,
        OpenConversationId: group.openConversationId,
        CoolAppCode: emuApp.coolAppCode,
        RobotCode: emuApp.appKey,
        OperateTime: now(),
        TimeStamp: String(now()),
      });
    },
    async uninstallCoolApp({ appKey, openConversationId }) {
      const emuApp = appOf(appKey);
      const group = groupOf(openConversationId);
      group.coolApps = group.coolApps.filter(k => k !== appKey);
      return push(emuApp, {
        EventType: 'im_cool_app_uninstall',
        CorpId: emuApp.corpId,
        OpenConversationId: group.openConversationId,
        CoolAppCode: emuApp.coolAppCode,
        RobotCode: emuApp.appKey,
        OperateTime: now(),
        TimeStamp: String(now()),
      });
    },
    async renameGroup({ openConversationId, title }) {
      const group = groupOf(openConversationId);
      group.title = title;
      return Promise.all(
        group.coolApps.map(appKey => {
          const emuApp = appOf(appKey);
          return push(emuApp, {
            EventType: 'chat_update_title',
            CorpId: emuApp.corpId,
            ChatId: group.chatId,
            OpenConversationId: group.openConversationId,
            Title: title,
            TimeStamp: String(now()),
          });
        }),
      );
    },
    async sendCheckUrl({ appKey }) {
      const emuApp = appOf(appKey);
      return push(emuApp, { EventType: 'check_url', TimeStamp: String(now()) });
    },
    issueAuthCode({ appKey, userId }) {
      appOf(appKey);
      if (!state.users.has(userId))
        throw new ApiError(404, 'user.not.found', `unknown user ${userId}`);
      const code = crypto.randomBytes(12).toString('hex');
      state.authCodes.set(code, {
        appKey,
        userId,
        expiresAt: now() + 5 * 60_000,
      });
      return { code };
    },
    async clickCardButton({ outTrackId, userId, actionId, params }) {
      const card = state.cards.get(outTrackId);
      if (!card)
        throw new ApiError(404, 'card.not.exist', `unknown card ${outTrackId}`);
      const emuApp = appOf(card.appKey);
      const space =
        card.spaces.find(s => s === `IM_ROBOT.${userId}`) ??
        card.spaces.find(s => s.startsWith('IM_GROUP.')) ??
        '';
      const [spaceType, spaceId] = space.split('.', 2);
      const body = {
        outTrackId,
        corpId: emuApp.corpId,
        userId,
        userIdType: 1,
        type: 'actionCallback',
        spaceType,
        spaceId,
        content: JSON.stringify({
          cardPrivateData: { actionIds: [actionId], params: params ?? {} },
        }),
        value: JSON.stringify({
          cardPrivateData: { actionIds: [actionId], params: params ?? {} },
        }),
      };
      let status = 0;
      let response: any;
      if (card.callbackType === 'STREAM' || emuApp.transport === 'stream') {
        const frame = {
          specVersion: '1.0',
          type: 'CALLBACK',
          headers: {
            appId: emuApp.appKey,
            contentType: 'application/json',
            messageId: newId('msg'),
            time: String(now()),
            topic: '/v1.0/card/instances/callback',
          },
          data: JSON.stringify(body),
        };
        const data = await Promise.race([
          sendFrame(emuApp.appKey, frame),
          new Promise(r =>
            setTimeout(() => r(undefined), pushTimeoutMs).unref(),
          ),
        ]);
        status = data === undefined ? 504 : 200;
        response = (data as any)?.response ?? data;
      } else {
        if (!emuApp.cardCallbackUrl) {
          throw new ApiError(
            409,
            'callback.not.registered',
            'the app registered no card callback URL',
          );
        }
        // DingTalk signs the callback with the registered apiSecret: the
        // time in ms and base64(HMAC-SHA256(apiSecret, that time)).
        const headers: Record<string, string> = {
          'content-type': 'application/json',
        };
        if (emuApp.cardApiSecret) {
          const timestamp = String(now());
          headers['x-ddpaas-signature-timestamp'] = timestamp;
          headers['x-ddpaas-signature'] = cardCallbackSignature(
            emuApp.cardApiSecret,
            timestamp,
          );
        }
        const res = await fetch(emuApp.cardCallbackUrl, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(pushTimeoutMs),
        });
        status = res.status;
        response = await res.json().catch(() => undefined);
      }
      const update = response?.cardData?.cardParamMap;
      if (status === 200 && update && typeof update === 'object') {
        card.cardParamMap = { ...card.cardParamMap, ...update };
        card.updatedAt = now();
        card.history.push({
          at: now(),
          cardParamMap: { ...card.cardParamMap },
        });
      }
      return { status, response };
    },
    messages(filter = {}) {
      return state.messages.filter(
        m =>
          (!filter.userId || m.userId === filter.userId) &&
          (!filter.openConversationId ||
            m.openConversationId === filter.openConversationId) &&
          (!filter.appKey || m.appKey === filter.appKey),
      );
    },
    cards(filter = {}) {
      return [...state.cards.values()].filter(
        c =>
          (!filter.outTrackId || c.outTrackId === filter.outTrackId) &&
          (!filter.openConversationId ||
            c.spaces.includes(`IM_GROUP.${filter.openConversationId}`)) &&
          (!filter.userId || c.spaces.includes(`IM_ROBOT.${filter.userId}`)),
      );
    },
    groups(filter = {}) {
      return [...state.groups.values()].filter(
        g => !filter.corpId || g.corpId === filter.corpId,
      );
    },
    calls(filter = {}) {
      const report: CallsReport = { total: 0, byApp: {} };
      const appKeys = new Set([
        ...state.calls.keys(),
        ...state.tokenFetches.keys(),
        ...state.rejected.keys(),
      ]);
      for (const appKey of appKeys) {
        if (filter.appKey && filter.appKey !== appKey) continue;
        const byApi: Record<string, number> = {};
        let total = 0;
        for (const [api, n] of state.calls.get(appKey) ?? []) {
          if (filter.api && filter.api !== api) continue;
          byApi[api] = n;
          total += n;
        }
        report.byApp[appKey] = {
          total,
          byApi,
          tokenFetches: state.tokenFetches.get(appKey) ?? 0,
          maxPerSecond: state.maxPerSecond.get(appKey) ?? 0,
          rejectedQps: state.rejected.get(appKey)?.qps ?? 0,
          rejectedQuota: state.rejected.get(appKey)?.quota ?? 0,
        };
        report.total += total;
      }
      return report;
    },
    injectFault(fault) {
      faults.push({ ...fault, remaining: fault.count });
    },
    clearFaults() {
      faults = [];
    },
    pushLog(filter = {}) {
      return state.pushLog.filter(
        p => !filter.appKey || p.appKey === filter.appKey,
      );
    },
    disconnectStreams({ appKey, graceful } = {}) {
      let n = 0;
      for (const [key, set] of streams) {
        if (appKey && key !== appKey) continue;
        for (const ws of set) {
          n += 1;
          if (!graceful) {
            ws.terminate();
            continue;
          }
          draining.add(ws);
          ws.send(
            JSON.stringify(
              systemFrame('disconnect', { reason: 'gateway maintenance' }),
            ),
          );
          setTimeout(() => ws.terminate(), graceMs).unref?.();
        }
      }
      return n;
    },
    async pingStreams({ appKey } = {}) {
      const answers: Promise<boolean>[] = [];
      for (const [key, set] of streams) {
        if (appKey && key !== appKey) continue;
        for (const ws of set) {
          if (ws.readyState !== WebSocket.OPEN) continue;
          const frame = systemFrame('ping', {
            opaque: crypto.randomBytes(8).toString('hex'),
          });
          answers.push(
            new Promise<boolean>(resolve => {
              const timer = setTimeout(() => {
                systemReplies.delete(frame.headers.messageId);
                resolve(false);
              }, pushTimeoutMs);
              systemReplies.set(frame.headers.messageId, () => {
                clearTimeout(timer);
                resolve(true);
              });
              ws.send(JSON.stringify(frame));
            }),
          );
        }
      }
      return (await Promise.all(answers)).filter(Boolean).length;
    },
    streamConnections({ appKey } = {}) {
      let n = 0;
      for (const [key, set] of streams) {
        if (appKey && key !== appKey) continue;
        for (const ws of set) if (ws.readyState === WebSocket.OPEN) n += 1;
      }
      return n;
    },
    reset() {
      state = emptyState();
      handle.state = state;
      faults = [];
      windows.clear();
      pending.clear();
      if (options.demo) loadSeed(DEMO_SEED);
      if (options.seed) loadSeed(options.seed);
    },
  };

  // The JSAPI stand-in's requestAuthCode, for H5 pages opened from the
  // simulator (browserGuard lets only the app's own origins call it).
  app.post('/_emulator/jsapi/requestAuthCode', (req, res) => {
    try {
      res.json(
        control.issueAuthCode({
          appKey: String(req.body?.appKey ?? ''),
          userId: String(req.body?.userId ?? ''),
        }),
      );
    } catch (e) {
      const err = e as ApiError;
      res
        .status(err.status && err.status < 500 ? err.status : 400)
        .json({ error: err.message });
    }
  });

  // control API over HTTP, for the simulator UI and other processes
  app.get('/_emulator/api/health', (_req, res) => res.json({ status: 'ok' }));
  // Secrets (app secret, aes_key, token, card apiSecret) only when asked
  // for: `?secrets=1`, from a CLI or a test.
  app.get('/_emulator/api/state', (req, res) =>
    res.json({
      corps: [...state.corps.values()],
      apps: [...state.apps.values()].map(a =>
        req.query.secrets === '1' ? a : withoutSecrets(a),
      ),
      users: [...state.users.values()],
      groups: [...state.groups.values()],
      templates: [...state.templates.values()],
    }),
  );
  app.post('/_emulator/api/:method', async (req, res) => {
    const method = req.params.method as keyof EmulatorControl;
    const fn = (control as any)[method];
    if (typeof fn !== 'function') {
      res.status(404).json({ error: `no control method ${method}` });
      return;
    }
    try {
      const result =
        method === 'updateApp'
          ? await fn(req.body?.appKey, req.body?.patch ?? {})
          : await fn(req.body ?? {});
      res.json(result ?? { ok: true });
    } catch (e) {
      const err = e as ApiError;
      res
        .status(err.status && err.status < 500 ? err.status : 400)
        .json({ error: err.message });
    }
  });

  // simulator UI
  // The package runs from source (bin/ registers a transform), so ui/ sits
  // next to src/; resolvePackagePath would pull in backend-plugin-api.
  // eslint-disable-next-line no-restricted-syntax
  const uiDir = path.resolve(__dirname, '..', 'ui');
  app.use('/_emulator/ui', express.static(uiDir));
  app.get('/_emulator/jsapi-shim.js', (_req, res) =>
    res.sendFile(path.join(uiDir, 'jsapi-shim.js')),
  );
  app.get('/', (_req, res) => res.sendFile(path.join(uiDir, 'index.html')));

  app.use((_req, res) => {
    res.status(404).json({
      code: 'NotFound',
      message: 'no such DingTalk API in the emulator',
      requestid: newId(''),
    });
  });

  // ---- server ------------------------------------------------------------------

  const server = http.createServer(app);
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ticket = tickets.get(url.searchParams.get('ticket') ?? '');
    if (url.pathname !== '/connect' || !ticket || ticket.expiresAt <= now()) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
      return;
    }
    tickets.delete(url.searchParams.get('ticket')!);
    wss.handleUpgrade(req, socket, head, ws =>
      wss.emit('connection', ws, ticket.appKey),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () =>
      resolve(),
    );
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${
    options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'
  }:${port}`;

  const handle: EmulatorHandle = {
    baseUrl,
    port,
    state,
    control,
    async close() {
      for (const set of streams.values()) for (const ws of set) ws.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
  if (options.demo) loadSeed(DEMO_SEED);
  if (options.seed) loadSeed(options.seed);
  return handle;
}

function withoutSecrets(a: EmuApp) {
  const { appSecret, aesKey, token, cardApiSecret, ...rest } = a;
  return rest;
}

/**
 * The emulator listens on a developer's machine, where any web page they
 * visit could send it requests. DingTalk's own APIs are server to server and
 * get no CORS headers; the control API, /state and the simulator UI answer
 * only the emulator's own origin and clients that are not browsers (no
 * Origin, no Sec-Fetch-Site); the JSAPI stand-in's requestAuthCode answers
 * the origins of the apps' own backends too, as DingTalk gives codes only to
 * an app's pages.
 */
function browserGuard(deps: {
  options: EmulatorOptions;
  apps: () => Iterable<EmuApp>;
}): express.RequestHandler {
  const hosts = new Set(
    [
      'localhost',
      '127.0.0.1',
      '[::1]',
      deps.options.host ?? '',
      ...(deps.options.allowedHosts ?? []),
    ]
      .filter(h => h && h !== '0.0.0.0')
      .map(h => h.toLowerCase()),
  );
  const appOrigins = () => {
    const origins = new Set(deps.options.allowedOrigins ?? []);
    for (const a of deps.apps())
      for (const url of [a.eventUrl, a.cardCallbackUrl]) {
        try {
          if (url) origins.add(new URL(url).origin);
        } catch {
          // not a URL: no origin to allow
        }
      }
    return origins;
  };
  return (req, res, next) => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const host = String(req.headers.host ?? '').toLowerCase();
    const fromBrowser = origin !== undefined || site !== undefined;
    const sameOrigin =
      origin === undefined
        ? site === undefined || site === 'same-origin' || site === 'none'
        : origin === `http://${host}`;
    const refuse = (why: string) =>
      res.status(403).json({ code: 'Forbidden', message: why });
    if (req.path === '/_emulator/jsapi/requestAuthCode') {
      if (origin && !sameOrigin) {
        if (!appOrigins().has(origin))
          return refuse(`origin ${origin} is not an app's own origin`);
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Allow-Headers', 'content-type');
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Vary', 'Origin');
      }
      if (req.method === 'OPTIONS') return res.status(204).end();
      return next();
    }
    // A classic <script src> sends neither Origin nor a same-origin
    // Sec-Fetch-Site: the stand-in itself is public.
    if (req.path === '/_emulator/jsapi-shim.js') return next();
    const isControl = req.path === '/' || req.path.startsWith('/_emulator/');
    if (!isControl) return next();
    // Following a link to the simulator is fine: the page that had the link
    // cannot read what opens.
    if (req.method === 'GET' && req.headers['sec-fetch-mode'] === 'navigate')
      return next();
    if (fromBrowser && !sameOrigin)
      return refuse('the emulator control API answers only its own pages');
    // Same origin by name only: a page whose own name now resolves to
    // 127.0.0.1 (DNS rebinding) is not the simulator.
    if (fromBrowser && !hosts.has(host.replace(/:\d+$/, '')))
      return refuse(`host ${host} is not one the emulator listens as`);
    return next();
  };
}
