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
  oncall?: {
    channels?: {
      dingtalk?: {
        /** The integration for direct messages; optional when there is exactly one. */
        integrationId?: string;
        /**
         * Card body. Fields: {{title}} {{severity}} {{status}} {{service}}
         * {{startedAt}} {{description}} {{labels}} {{link}} {{responders}}.
         * Falls back to the default template when it fails to render.
         */
        template?: string;
        /**
         * Hosts that links in alert text may point to in a card, besides the
         * Backstage app (`app.baseUrl`): exactly (`grafana.example.com`) or
         * with subdomains (`*.example.com`). A URL to any other host is shown
         * defanged (`https[:]//host/...`) so that it cannot be clicked.
         */
        allowedLinkHosts?: string[];
        aggregation?: {
          /** More cards than this for one integration within a minute switches to digests. Default 30. */
          maxCardsPerMinute?: number;
          /** Below this share of the monthly quota left, every target gets digests. Default 0.1. */
          minQuotaShare?: number;
          /** How long incidents are collected into one digest card, in seconds. Default 30. */
          digestSeconds?: number;
        };
      };
    };
  };
}
