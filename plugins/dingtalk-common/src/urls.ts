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

/**
 * The URLs an admin pastes into the DingTalk developer console.
 * @public
 */
export interface DingtalkIntegrationUrls {
  /** Development Configuration → Event Subscription → Request URL. */
  eventSubscriptionUrl: string;
  /** Cool App → Functional design → Group Quick Access (desktop and mobile). */
  coolAppWebUrl: string;
  /** Application Capability → Web Application → Application Homepage URL. */
  homepageUrl: string;
  /** Application Capability → Web Application → PC Homepage URL. */
  pcHomepageUrl: string;
  /**
   * Robot → Message receiving mode HTTP → message receiving URL, for the
   * app's robot and for the war-room template's group bot (both signed with
   * the app's Client Secret).
   */
  robotMessageUrl: string;
}

/**
 * Builds an integration's URLs from the backend's public base URL (what
 * DingTalk's servers and the DingTalk client can reach).
 * @public
 */
export function buildIntegrationUrls(
  publicBaseUrl: string,
  integrationId: string,
): DingtalkIntegrationUrls {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}/api/dingtalk`;
  const id = encodeURIComponent(integrationId);
  return {
    eventSubscriptionUrl: `${base}/integrations/${id}/events`,
    coolAppWebUrl: `${base}/h5/${id}/coolapp`,
    homepageUrl: `${base}/h5/${id}/home`,
    pcHomepageUrl: `${base}/h5/${id}/pc`,
    robotMessageUrl: `${base}/integrations/${id}/robot-messages`,
  };
}
