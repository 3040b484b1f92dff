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

// The emulator's public types: its options, its control API and what the
// control API reports.
import type {
  EmuApp,
  EmuCard,
  EmuGroup,
  EmulatorSeed,
  EmulatorState,
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
   * A stream frame not ACKed within this time is pushed again (default
   * 60 s: DingTalk's SDKs say the gateway re-pushes a message left
   * unanswered within about 60 s).
   */
  streamAckTimeoutMs?: number;
  /**
   * A stream EVENT frame ACKed with status `LATER` (or a code other than
   * 200) is pushed again after this time (default 10 s).
   */
  streamRedeliveryMs?: number;
  /** Deliveries of one stream frame before the gateway drops it (default 5). */
  streamMaxDeliveries?: number;
  /**
   * How long the gateway keeps an EVENT frame from when it is queued,
   * whether or not a connection takes it meanwhile (default
   * streamAckTimeoutMs × streamMaxDeliveries). CALLBACK frames live for
   * pushTimeoutMs: someone is waiting for their answer.
   */
  streamQueueTtlMs?: number;
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
  | 'invalidToken'
  | 'appliedTimeout';

/**
 * A fault on the calls of one API (or all, `*`). `latency` delays the call
 * by `ms`; `5xx` answers 503; `drop` cuts the connection before the call
 * runs; `timeout` runs nothing and cuts the connection after `ms` (30 s by
 * default); `flowControl`, `quota` and `invalidToken` answer DingTalk's
 * error; `appliedTimeout` runs the call (it takes effect and is counted)
 * and then loses the answer: nothing is sent and the connection is cut
 * after `ms` (30 s by default; 0 cuts it at once), so the client cannot
 * tell whether it worked.
 *
 * @public
 */
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
    /** Departments; default the root (1). */
    deptIds?: number[];
    title?: string;
    active?: boolean;
  }): { userId: string };
  /**
   * The organisation (surfaces/contacts.ts). `createDepartment` only seeds;
   * the `org*` methods change the organisation and push the address-book
   * event to every app of the corp with an event subscription (HTTP push
   * to its eventUrl, or a Stream frame), as DingTalk does, resolving to one
   * PushResult per app.
   */
  createDepartment(req: {
    corpId: string;
    deptId?: number;
    name: string;
    parentId?: number;
  }): { deptId: number };
  orgAddDepartment(req: {
    corpId: string;
    deptId?: number;
    name: string;
    parentId?: number;
  }): Promise<{ deptId: number; pushes: PushResult[] }>;
  orgUpdateDepartment(req: {
    corpId: string;
    deptId: number;
    name?: string;
    parentId?: number;
  }): Promise<{ deptId: number; pushes: PushResult[] }>;
  /** Refused (like DingTalk) while the department has people or sub-departments. */
  orgRemoveDepartment(req: {
    corpId: string;
    deptId: number;
  }): Promise<{ deptId: number; pushes: PushResult[] }>;
  orgAddUser(req: {
    corpId: string;
    userId: string;
    unionId?: string;
    name: string;
    mobile: string;
    avatar?: string;
    email?: string;
    deptIds?: number[];
    title?: string;
  }): Promise<{ userId: string; pushes: PushResult[] }>;
  orgUpdateUser(req: {
    userId: string;
    name?: string;
    mobile?: string;
    email?: string;
    deptIds?: number[];
    title?: string;
    active?: boolean;
  }): Promise<{ userId: string; pushes: PushResult[] }>;
  orgRemoveUser(req: {
    userId: string;
  }): Promise<{ userId: string; pushes: PushResult[] }>;
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
  /**
   * A person writes in a chat: a group (`openConversationId`) or a
   * one-to-one chat with an app's robot (`appKey`, optional when the corp
   * has one app). `@bot` in the text (or `atBot`) mentions the robot and is
   * left out of `text.content`, as DingTalk does; `@name` or `@userId` of a
   * member (or `atUserIds`) mentions people. Delivered to the robots that
   * receive it (the app's robot when mentioned in a group with its Cool App,
   * always in one-to-one chats; a scene group's template bot for every
   * message of its group) over Stream or signed HTTP to `robotMessageUrl`.
   */
  sendMessage(req: {
    openConversationId?: string;
    appKey?: string;
    senderUserId: string;
    text: string;
    atUserIds?: string[];
    atBot?: boolean;
  }): Promise<{ msgId: string; deliveries: RobotMessageDelivery[] }>;
  /** What people wrote (sendMessage), oldest first. */
  chatMessages(filter?: {
    openConversationId?: string;
    userId?: string;
  }): EmulatorState['chatMessages'];
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
  /**
   * The card as one person sees it: its public data with that person's
   * private data over it (a callback's reply changes only the clicker's
   * view; the update API's `cardData` everyone's).
   */
  cardView(req: { outTrackId: string; userId: string }): Record<string, string>;
  /** Every person who can see the card: the members of its groups and its one-to-one recipients. */
  cardViewers(req: { outTrackId: string }): string[];
  /**
   * DingTalk-wide load on one API: at most `qps` calls a second over all
   * apps (90002 / QpsLimitForApi); without `qps`, no such limit (default).
   */
  setApiQps(req: { api: string; qps?: number }): void;
  /**
   * A robot's posts into one group: at most `perMinute` (default 20) a
   * minute; past that 130101 for `throttleMs` (default 5 minutes).
   */
  setRobotGroupRate(req: { perMinute?: number; throttleMs?: number }): void;
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
  /** Stream tickets handed out and not used yet (expired ones are purged). */
  streamTickets(req?: { appKey?: string }): number;
  reset(): void;
}

/** One robot's delivery of a chat message (`sendMessage`). @public */
export interface RobotMessageDelivery {
  appKey: string;
  robotCode: string;
  transport: 'http' | 'stream';
  /** HTTP status of the robot's answer (200 = accepted), 504 no stream ACK, 0 unreachable. */
  status: number;
  error?: string;
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
