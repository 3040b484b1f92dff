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
          /**
           * More cards than this for one integration within a minute (the
           * whole cluster's) switches the destinations that already had a card
           * this minute to digests; a quiet group still gets its first card at
           * once. Default 30.
           */
          maxCardsPerMinute?: number;
          /**
           * More cards than this to one group or person within a minute
           * switches it to digests (DingTalk throttles a robot posting more
           * than about 20 messages a minute into a group). Default 15.
           */
          maxCardsPerTargetPerMinute?: number;
          /** Below this share of the monthly quota left, every target gets digests. Default 0.1. */
          minQuotaShare?: number;
          /** How long incidents are collected into one digest card, in seconds. Default 30. */
          digestSeconds?: number;
          /**
           * How long a group DingTalk throttles the robot in (130101, past
           * about 20 posts a minute) gets no card, in seconds: its incidents
           * wait in its digest until then. Default 60.
           */
          groupThrottleSeconds?: number;
        };
        /**
         * War-room messages in the incident timeline (entries of type
         * `chat-message`): the template's group bot receives every message of
         * the room and the module records it with its sender, time and a link
         * back to the room.
         */
        warRoomTimeline?: {
          /** Record war-room messages. Default true. */
          enabled?: boolean;
          /** Per integration id, e.g. `{ demo: false }`; overrides `enabled`. */
          integrations?: { [integrationId: string]: boolean };
          /** Longest message recorded, in characters; longer ones are cut. Default 2000. */
          maxMessageChars?: number;
        };
      };
    };
  };
}
