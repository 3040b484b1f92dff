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

import { HumanDuration } from '@backstage/types';

export interface Config {
  notifications?: {
    processors?: {
      dingtalk?: {
        /** The DingTalk integration for user notifications; optional when there is one. */
        integrationId?: string;
        /** Messages per throttle interval from one backend. Default 10. */
        concurrencyLimit?: number;
        /** Default 1 second. */
        throttleInterval?: HumanDuration;
        /**
         * Hosts a notification's link (and URLs in its text) may point to in
         * a card, besides the Backstage app (`app.baseUrl`): exactly
         * (`grafana.example.com`) or with subdomains (`*.example.com`). A
         * link elsewhere is left out; a URL in the text is shown defanged.
         */
        allowedLinkHosts?: string[];
      };
    };
  };
}
