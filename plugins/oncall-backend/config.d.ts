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
    escalation?: {
      /**
       * How often the escalation task looks for due steps, in seconds.
       * Defaults to 5.
       */
      tickSeconds?: number;
      /**
       * How long a replica's claim on a step lasts before another replica may
       * run the step again (e.g. after a crash), in seconds. Defaults to 300.
       */
      claimTimeoutSeconds?: number;
    };
    /**
     * Who may act on an incident from a chat channel (a DingTalk card
     * button): its responders and the owners of its service always may;
     * members of these groups (entity refs, e.g. `group:default/sre-leads`)
     * may act on every incident.
     */
    channelActions?: {
      allowedGroups?: string[];
    };
  };
}
