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
       * The lease of a replica's claim on a step, in seconds. The replica
       * renews it every third of the lease while the step runs, so another
       * replica runs the step again within about this long (plus a tick)
       * after the first one died. Defaults to 15.
       */
      claimTimeoutSeconds?: number;
      /**
       * How long a channel may take to notify, in seconds, before it is
       * cancelled and the step runs again later (up to 5 attempts, with the
       * same idempotency keys). Defaults to 60.
       */
      notifyTimeoutSeconds?: number;
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
    /** Chat messages recorded in incident timelines (war rooms). */
    chat?: {
      /** Longest message kept in the timeline, in characters; longer ones are cut. Defaults to 2000. */
      maxMessageChars?: number;
    };
  };
}
