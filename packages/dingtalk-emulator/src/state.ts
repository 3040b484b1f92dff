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

/** @public */
export type Edition = 'standard' | 'professional' | 'exclusive';

/**
 * Limits per edition: QPS per app, calls per natural month per app.
 *
 * @public
 */
export const EDITION_LIMITS: Record<Edition, { qps: number; quota: number }> = {
  standard: { qps: 20, quota: 10_000 },
  professional: { qps: 40, quota: 500_000 },
  exclusive: { qps: 60, quota: 5_500_000 },
};

/** Permissions an app may have been granted in the DingTalk console. */
export const ALL_PERMISSIONS = [
  'qyapi_chat_manage',
  'qyapi_robot_sendmsg',
  'qyapi_chat_read',
  'qyapi_chat_base_read',
  'qyapi_get_member_by_mobile',
  'qyapi_get_member',
  // the contact APIs (surfaces/contacts.ts): departments, and mobile numbers in user lists
  'qyapi_get_department_list',
  'Contact.User.mobile',
];

/** @public */
export interface EmuApp {
  corpId: string;
  appKey: string;
  appSecret: string;
  agentId: string;
  aesKey: string;
  token: string;
  edition: Edition;
  /** This organisation's limits where they differ from the edition table (DingTalk revises it; call volume can be bought). */
  limits?: { qps?: number; quota?: number };
  eventUrl?: string;
  transport: 'http' | 'stream';
  cardCallbackUrl?: string;
  cardCallbackRouteKey?: string;
  cardApiSecret?: string;
  /** The robot's message receiving URL (HTTP mode); the template bots of the app's corp post there too. */
  robotMessageUrl?: string;
  permissions: string[];
  coolAppCode: string;
}

/** @public */
export interface EmuUser {
  corpId: string;
  userId: string;
  unionId: string;
  name: string;
  mobile: string;
  /** Profile picture URL, as `topapi/v2/user/get` answers it. */
  avatar?: string;
  email?: string;
  /** Departments (`dept_id_list`); none means the root department (1). */
  deptIds?: number[];
  title?: string;
  /** Whether the person activated DingTalk; default true. */
  active?: boolean;
}

/** A department of an organisation (surfaces/contacts.ts); id 1 is the root. @public */
export interface EmuDepartment {
  corpId: string;
  deptId: number;
  name: string;
  /** Absent only for the root. */
  parentId?: number;
}

/** @public */
export interface EmuGroup {
  corpId: string;
  openConversationId: string;
  chatId: string;
  title: string;
  ownerUserId: string;
  members: string[];
  /** App keys whose Cool App is installed in the group. */
  coolApps: string[];
  /** Set for scene groups created from a template. */
  templateId?: string;
  botId?: string;
  uuid?: string;
}

/** @public */
export interface EmuMessage {
  id: string;
  appKey: string;
  /** `user` for one-to-one robot messages, `group` for group messages. */
  space: 'user' | 'group';
  userId?: string;
  openConversationId?: string;
  robotCode: string;
  msgKey: string;
  msgParam: Record<string, unknown>;
  at: number;
}

/** What a person wrote in a chat (`sendMessage`). @public */
export interface EmuChatMessage {
  msgId: string;
  senderUserId: string;
  /** Set in a group chat. */
  openConversationId?: string;
  /** The app's robot of a one-to-one chat. */
  appKey?: string;
  text: string;
  atUserIds: string[];
  atBot: boolean;
  at: number;
}

/** @public */
export interface EmuCard {
  outTrackId: string;
  appKey: string;
  cardTemplateId: string;
  callbackType: string;
  callbackRouteKey?: string;
  /** The robot that posted it in groups (`imGroupOpenDeliverModel.robotCode`). */
  groupRobotCode?: string;
  /** The card's public data: what every viewer sees. */
  cardParamMap: Record<string, string>;
  /**
   * Private data per viewer (userId): what a callback's reply or the update
   * API's `privateData` set for that one person, shown to them over the
   * public data (`control.cardView`).
   */
  privateData?: Record<string, Record<string, string>>;
  /**
   * What a callback's reply (`cardData`) showed the person who clicked: their
   * card alone, until the next public update re-renders it for everyone.
   */
  clickerViews?: Record<string, Record<string, string>>;
  /** Where the card was delivered: `IM_GROUP.<cid>` or `IM_ROBOT.<userId>`. */
  spaces: string[];
  atUserIds: string[];
  history: Array<{ at: number; cardParamMap: Record<string, string> }>;
  createdAt: number;
  updatedAt: number;
}

/** @public */
export interface EmuTemplate {
  corpId: string;
  templateId: string;
  botId: string;
}

/** @public */
export interface PushAttempt {
  appKey: string;
  eventType: string;
  url: string;
  attempt: number;
  status?: number;
  ok: boolean;
  error?: string;
  at: number;
}

/** @public */
export interface EmulatorState {
  corps: Map<string, { corpId: string; name: string }>;
  apps: Map<string, EmuApp>;
  users: Map<string, EmuUser>;
  /** by `${corpId}:${deptId}` */
  departments: Map<string, EmuDepartment>;
  groups: Map<string, EmuGroup>;
  templates: Map<string, EmuTemplate>;
  messages: EmuMessage[];
  /** What people wrote in chats (sendMessage). */
  chatMessages: EmuChatMessage[];
  cards: Map<string, EmuCard>;
  tokens: Map<string, { appKey: string; expiresAt: number; user?: string }>;
  authCodes: Map<string, { appKey: string; userId: string; expiresAt: number }>;
  /** calls[appKey][api] */
  calls: Map<string, Map<string, number>>;
  /** successful token fetches per app */
  tokenFetches: Map<string, number>;
  /** highest number of accepted calls seen in one wall-clock second, per app */
  maxPerSecond: Map<string, number>;
  rejected: Map<string, { qps: number; quota: number }>;
  pushLog: PushAttempt[];
}

export function emptyState(): EmulatorState {
  return {
    corps: new Map(),
    apps: new Map(),
    users: new Map(),
    departments: new Map(),
    groups: new Map(),
    templates: new Map(),
    messages: [],
    chatMessages: [],
    cards: new Map(),
    tokens: new Map(),
    authCodes: new Map(),
    calls: new Map(),
    tokenFetches: new Map(),
    maxPerSecond: new Map(),
    rejected: new Map(),
    pushLog: [],
  };
}

/** A whole organisation to load at start. @public */
export interface EmulatorSeed {
  corps?: Array<{ corpId: string; name: string }>;
  apps?: Array<
    Partial<EmuApp> &
      Pick<EmuApp, 'corpId' | 'appKey' | 'appSecret' | 'aesKey' | 'token'>
  >;
  users?: Array<Omit<EmuUser, 'unionId'> & { unionId?: string }>;
  /** Parents before children. */
  departments?: Array<Omit<EmuDepartment, 'deptId'> & { deptId: number }>;
  groups?: Array<{
    corpId: string;
    title: string;
    ownerUserId: string;
    memberUserIds: string[];
    openConversationId?: string;
    chatId?: string;
  }>;
  templates?: EmuTemplate[];
}

/**
 * The demo organisation that `npm start` loads; it matches the `demo`
 * integration in the repository's app-config.yaml.
 * @public
 */
export const DEMO_SEED: EmulatorSeed = {
  corps: [{ corpId: 'dingdemo0000000000', name: 'Demo Corp' }],
  apps: [
    {
      corpId: 'dingdemo0000000000',
      appKey: 'dingdemoappkey000000',
      appSecret:
        'demo-app-secret-0000000000000000000000000000000000000000000000',
      agentId: '3000000001',
      aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
      token: 'demo-signature-token',
      edition: 'standard',
      eventUrl: 'http://localhost:7007/api/dingtalk/integrations/demo/events',
      robotMessageUrl:
        'http://localhost:7007/api/dingtalk/integrations/demo/robot-messages',
    },
  ],
  users: [
    {
      corpId: 'dingdemo0000000000',
      userId: 'alice',
      name: 'Alice Wang',
      mobile: '13800000001',
      email: 'alice@example.com',
      deptIds: [100001],
    },
    {
      corpId: 'dingdemo0000000000',
      userId: 'bob',
      name: 'Bob Li',
      mobile: '13800000002',
      email: 'bob@example.com',
      deptIds: [100001],
    },
    {
      corpId: 'dingdemo0000000000',
      userId: 'carol',
      name: 'Carol Zhang',
      mobile: '13800000003',
      email: 'carol@example.com',
      deptIds: [100002],
    },
  ],
  // The demo catalog's groups come from these (catalog-backend-module-dingtalk):
  // group:default/demo-corp (the root), sre and payments.
  departments: [
    { corpId: 'dingdemo0000000000', deptId: 100001, name: 'SRE', parentId: 1 },
    {
      corpId: 'dingdemo0000000000',
      deptId: 100002,
      name: 'Payments',
      parentId: 1,
    },
  ],
  groups: [
    {
      corpId: 'dingdemo0000000000',
      title: 'SRE On-call',
      ownerUserId: 'alice',
      memberUserIds: ['alice', 'bob'],
      openConversationId: 'cid-sre-oncall',
      chatId: 'chat-sre-oncall',
    },
    {
      corpId: 'dingdemo0000000000',
      title: 'Payments Team',
      ownerUserId: 'carol',
      memberUserIds: ['carol', 'alice'],
      openConversationId: 'cid-payments-team',
      chatId: 'chat-payments-team',
    },
  ],
  templates: [
    {
      corpId: 'dingdemo0000000000',
      templateId: 'demo-template-0001',
      botId: 'demo-group-bot-0001',
    },
  ],
};
