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

import type {
  DingtalkEdition,
  DingtalkLimitsOverride,
  DingtalkTransport,
} from './editions';
import type { DingtalkIntegrationUrls } from './urls';

/**
 * An integration as the API returns it. Secrets are never included, only
 * whether each one is set.
 * @public
 */
export interface DingtalkIntegration {
  id: string;
  name: string;
  corpId: string;
  agentId: string;
  clientId: string;
  edition: DingtalkEdition;
  transport: DingtalkTransport;
  warRoom: { templateId?: string; botId?: string };
  /** The admin's corrections of the edition's limits, if any. */
  limits?: DingtalkLimitsOverride;
  secrets: { clientSecret: boolean; aesKey: boolean; token: boolean };
  /** Integrations declared in app-config are read-only. */
  source: 'database' | 'config';
  urls: DingtalkIntegrationUrls;
  createdAt: string;
  updatedAt: string;
}

/** A group chat where the integration's Cool App is (or was) installed. @public */
export interface DingtalkGroupChat {
  integrationId: string;
  openConversationId: string;
  chatId?: string;
  title: string;
  /** False once the Cool App was uninstalled; kept for history. */
  installed: boolean;
  installedAt?: string;
  uninstalledAt?: string;
  updatedAt: string;
}

/** @public */
export type DeliveryOutcome =
  | 'sent'
  | 'updated'
  | 'app not linked'
  | 'flow controlled'
  | 'quota exhausted'
  | 'failed'
  | 'aggregated';

/** One delivery attempt to one recipient, as the operation records keep it. @public */
export interface DeliveryRecord {
  id: string;
  integrationId: string;
  /** What the message was about, e.g. an incident id. */
  reference?: string;
  recipientType: 'user' | 'group';
  /** A user entity ref, or an openConversationId. */
  recipient: string;
  dingtalkUserId?: string;
  outcome: DeliveryOutcome;
  api?: string;
  error?: string;
  createdAt: string;
}

/** @public */
export interface DingtalkUsage {
  integrationId: string;
  /** `YYYY-MM` */
  month: string;
  calls: number;
  quota: number;
  qpsLimit: number;
  /** Calls expected by the end of the month at the current rate. */
  forecast: number;
  percentUsed: number;
  byApi: Record<string, number>;
  daily: Array<{ date: string; calls: number }>;
  /** Calls of APIs DingTalk does not meter (not in `calls`), by API. */
  exemptByApi?: Record<string, number>;
  /** Where `quota` and `qpsLimit` come from. */
  limitsSource?: 'edition' | 'override';
}

/** @public */
export interface DingtalkAccountLink {
  integrationId: string;
  userEntityRef: string;
  dingtalkUserId: string;
  unionId?: string;
  name?: string;
  linkedAt: string;
  /**
   * Where the link came from: the org sync (a catalog User with
   * `dingtalk.com/user-id`; not stored), a DingTalk sign-in, the H5 page, the
   * link-everyone-by-mobile run, or an admin. Links stored before sources
   * existed read as `h5`.
   */
  source?: DingtalkLinkSource;
}

/** @public */
export type DingtalkLinkSource = 'sync' | 'sign-in' | 'h5' | 'mobile' | 'admin';

/** A button on an interactive card. @public */
export interface DingtalkCardAction {
  /** e.g. `acknowledge`; forwarded to the card's owner when clicked. */
  id: string;
  label: string;
  params?: Record<string, string>;
  /** A link button instead of a callback. */
  url?: string;
}

/**
 * A message to send. Cards carry an `outTrackId` so that they can be updated
 * in place later, and an optional `callback` naming the backend plugin that
 * handles their buttons.
 * @public
 */
export type DingtalkMessage =
  | { type: 'text'; content: string }
  | { type: 'markdown'; title: string; text: string }
  | {
      type: 'card';
      outTrackId: string;
      title: string;
      markdown: string;
      cardParamMap?: Record<string, string>;
      actions?: DingtalkCardAction[];
      callback?: { pluginId: string; path: string };
      /** DingTalk user ids to \@mention in group cards. */
      atUserIds?: string[];
    };

/**
 * What the DingTalk backend POSTs to the plugin that sent a card when one of
 * its buttons is clicked.
 * @public
 */
export interface DingtalkCardActionRequest {
  integrationId: string;
  outTrackId: string;
  action: string;
  params: Record<string, string>;
  dingtalkUserId: string;
  /**
   * The clicker's linked Backstage user, or null when their DingTalk account
   * is not linked: the owner must then change nothing and may record it.
   */
  userEntityRef: string | null;
}

/** The owner's answer: a toast for the clicker and the card's new params. @public */
export interface DingtalkCardActionResponse {
  message?: string;
  cardParamMap?: Record<string, string>;
}
