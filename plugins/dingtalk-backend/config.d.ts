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

export interface Config {
  dingtalk?: {
    /** New-style API host. Default https://api.dingtalk.com */
    apiBaseUrl?: string;
    /** Old-style API host. Default https://oapi.dingtalk.com */
    oapiBaseUrl?: string;
    /**
     * The base URL DingTalk's servers and clients use to reach this backend
     * (event subscription, card callbacks, H5 pages). Default backend.baseUrl.
     */
    publicBaseUrl?: string;
    /**
     * Encrypts integration secrets at rest and signs link tickets. At least
     * 32 characters; required in production.
     * @visibility secret
     */
    encryptionKey?: string;
    /** The interactive card template id created in DingTalk's card builder. */
    cardTemplateId?: string;
    /** The DingTalk API client: per-attempt timeout (default 10000 ms) and attempts per call (default 4). */
    client?: { timeoutMs?: number; maxAttempts?: number };
    /**
     * How long the ids of handled DingTalk events are kept to recognise
     * retries and replays (default 7 days; DingTalk retries within hours).
     */
    eventRetentionDays?: number;
    /** The H5 pages DingTalk opens, and their login-free sign-in. */
    h5?: {
      /**
       * Where the page loads DingTalk's JSAPI from. Default: the copy bundled
       * with the page. Development: the emulator's stand-in
       * (`http://127.0.0.1:7788/_emulator/jsapi-shim.js`); the backend's CSP
       * `script-src` must allow it.
       */
      jsapiUrl?: string;
      /** Sign-in attempts (`POST /h5/:id/session`), counted by every replica together. */
      rateLimit?: {
        /** Per client address per minute (default 10). */
        perAddressPerMinute?: number;
        /** Per integration per minute, all addresses together (default 120). */
        perIntegrationPerMinute?: number;
      };
      /**
       * DingTalk calls the anonymous sign-in may make. Default: a hundredth
       * of the edition's monthly quota a day and a tenth a month.
       */
      budget?: { perDay?: number; perMonth?: number };
    };
    /** Stream mode (integrations with `transport: stream`). */
    stream?: {
      /**
       * How long a replica's hold on an integration's stream connection lasts
       * unless renewed (every third of it). Another replica takes over this
       * long after the holder dies; at once when it shuts down. Default 30.
       */
      leaseSeconds?: number;
    };
    /** Robot messages (commands and war-room messages) and the robots' replies. */
    robot?: {
      /**
       * Replies a robot posts into one conversation per minute, all replicas
       * together (counted in the database); more are recorded as flow
       * controlled and not sent. DingTalk allows
       * about 20 a minute per group; default 10 leaves room for cards.
       */
      repliesPerMinute?: number;
    };
    /** Integrations declared here are read-only in the UI. */
    integrations?: Array<{
      id: string;
      name?: string;
      corpId: string;
      agentId: string;
      clientId: string;
      /** @visibility secret */
      clientSecret: string;
      /** @visibility secret */
      aesKey: string;
      /** @visibility secret */
      token: string;
      edition?: 'standard' | 'professional' | 'exclusive';
      transport?: 'http' | 'stream';
      warRoom?: { templateId?: string; botId?: string };
      /**
       * Corrections of the edition's limits (DingTalk revises its tables;
       * extra call volume can be bought): calls per second per API, and
       * metered calls per month. Each left out is the edition's.
       */
      limits?: { qps?: number; monthlyQuota?: number };
    }>;
  };
}
