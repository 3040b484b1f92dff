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

import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/core-plugin-api';
import type {
  ChannelInfo,
  ChannelTargetList,
  CreatedWebhookToken,
  EscalationProgress,
  EscalationRule,
  EscalationStep,
  Incident,
  IncidentCreateRequest,
  IncidentDeliveryLink,
  IncidentList,
  NotificationPreferences,
  ServiceOncallSummary,
  WarRoom,
  WebhookToken,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';

/** @public */
export interface OncallApi {
  listIncidents(filter: {
    status?: string;
    severity?: string;
    serviceRef?: string;
    limit?: number;
  }): Promise<IncidentList>;
  getIncident(id: string): Promise<Incident>;
  act(
    id: string,
    action: 'acknowledge' | 'resolve',
    body?: { note?: string },
  ): Promise<Incident>;
  comment(id: string, text: string): Promise<Incident>;
  snooze(id: string, minutes: number): Promise<Incident>;
  /** Opens the incident's war room in a channel that has war rooms. */
  createWarRoom(id: string, channel: string): Promise<WarRoom>;
  createIncident(input: IncidentCreateRequest): Promise<Incident>;
  /** Links to each channel's records of what it delivered for the incident. */
  listDeliveryLinks(id: string): Promise<IncidentDeliveryLink[]>;
  /** Where the incident's escalation stands; undefined when it has none. */
  getEscalation(id: string): Promise<EscalationProgress | undefined>;
  getRule(serviceRef: string): Promise<EscalationRule | undefined>;
  saveRule(
    serviceRef: string,
    rule: { name: string; steps: EscalationStep[]; repeat?: number },
  ): Promise<EscalationRule>;
  /** Services with a rule, webhooks or open incidents. */
  listServices(): Promise<ServiceOncallSummary[]>;
  listChannels(): Promise<ChannelInfo[]>;
  listChannelTargets(
    channel: string,
    opts: { query?: string; cursor?: string; limit?: number },
  ): Promise<ChannelTargetList>;
  listWebhooks(serviceRef: string): Promise<WebhookToken[]>;
  createWebhook(serviceRef: string, name: string): Promise<CreatedWebhookToken>;
  renameWebhook(
    serviceRef: string,
    id: string,
    name: string,
  ): Promise<WebhookToken>;
  rotateWebhook(serviceRef: string, id: string): Promise<CreatedWebhookToken>;
  deleteWebhook(serviceRef: string, id: string): Promise<void>;
  getMyPreferences(): Promise<NotificationPreferences>;
  saveMyPreferences(
    prefs: NotificationPreferences,
  ): Promise<NotificationPreferences>;
  /** The backend's base URL, for the webhook URLs shown to people. */
  getBaseUrl(): Promise<string>;
}

/** @public */
export const oncallApiRef = createApiRef<OncallApi>({
  id: 'plugin.oncall.api',
});

/** @public */
export class OncallClient implements OncallApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  listIncidents(filter: {
    status?: string;
    severity?: string;
    serviceRef?: string;
    limit?: number;
  }) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, String(v));
    return this.request<IncidentList>('GET', `/incidents?${q}`);
  }
  getIncident(id: string) {
    return this.request<Incident>(
      'GET',
      `/incidents/${encodeURIComponent(id)}`,
    );
  }
  act(
    id: string,
    action: 'acknowledge' | 'resolve',
    body: { note?: string } = {},
  ) {
    return this.request<Incident>(
      'POST',
      `/incidents/${encodeURIComponent(id)}/${action}`,
      body,
    );
  }
  comment(id: string, text: string) {
    return this.request<Incident>(
      'POST',
      `/incidents/${encodeURIComponent(id)}/comment`,
      { text },
    );
  }
  snooze(id: string, minutes: number) {
    return this.request<Incident>(
      'POST',
      `/incidents/${encodeURIComponent(id)}/snooze`,
      { minutes },
    );
  }
  createWarRoom(id: string, channel: string) {
    return this.request<WarRoom>(
      'POST',
      `/incidents/${encodeURIComponent(id)}/war-room`,
      { channel },
    );
  }
  createIncident(input: IncidentCreateRequest) {
    return this.request<Incident>('POST', '/incidents', input);
  }
  async listDeliveryLinks(id: string) {
    const { items } = await this.request<{ items: IncidentDeliveryLink[] }>(
      'GET',
      `/incidents/${encodeURIComponent(id)}/deliveries`,
    );
    return items;
  }
  async getEscalation(id: string) {
    try {
      return await this.request<EscalationProgress>(
        'GET',
        `/incidents/${encodeURIComponent(id)}/escalation`,
      );
    } catch (e) {
      if ((e as Error).name === 'NotFoundError') return undefined;
      throw e;
    }
  }
  async listServices() {
    return (
      await this.request<{ items: ServiceOncallSummary[] }>('GET', '/services')
    ).items;
  }
  async listChannels() {
    return (await this.request<{ items: ChannelInfo[] }>('GET', '/channels'))
      .items;
  }
  listChannelTargets(
    channel: string,
    opts: { query?: string; cursor?: string; limit?: number },
  ) {
    const q = new URLSearchParams();
    if (opts.query) q.set('q', opts.query);
    if (opts.cursor) q.set('cursor', opts.cursor);
    if (opts.limit) q.set('limit', String(opts.limit));
    return this.request<ChannelTargetList>(
      'GET',
      `/channels/${encodeURIComponent(channel)}/targets?${q}`,
    );
  }
  async listWebhooks(serviceRef: string) {
    return (
      await this.request<{ items: WebhookToken[] }>(
        'GET',
        `/services/${encodeURIComponent(serviceRef)}/webhooks`,
      )
    ).items;
  }
  createWebhook(serviceRef: string, name: string) {
    return this.request<CreatedWebhookToken>(
      'POST',
      `/services/${encodeURIComponent(serviceRef)}/webhooks`,
      { name },
    );
  }
  renameWebhook(serviceRef: string, id: string, name: string) {
    return this.request<WebhookToken>(
      'PATCH',
      `/services/${encodeURIComponent(
        serviceRef,
      )}/webhooks/${encodeURIComponent(id)}`,
      { name },
    );
  }
  rotateWebhook(serviceRef: string, id: string) {
    return this.request<CreatedWebhookToken>(
      'POST',
      `/services/${encodeURIComponent(
        serviceRef,
      )}/webhooks/${encodeURIComponent(id)}/rotate`,
    );
  }
  async deleteWebhook(serviceRef: string, id: string) {
    await this.request<void>(
      'DELETE',
      `/services/${encodeURIComponent(
        serviceRef,
      )}/webhooks/${encodeURIComponent(id)}`,
    );
  }
  getMyPreferences() {
    return this.request<NotificationPreferences>(
      'GET',
      '/me/notification-preferences',
    );
  }
  saveMyPreferences(prefs: NotificationPreferences) {
    return this.request<NotificationPreferences>(
      'PUT',
      '/me/notification-preferences',
      prefs,
    );
  }
  getBaseUrl() {
    return this.deps.discoveryApi.getBaseUrl('oncall');
  }
  async getRule(serviceRef: string) {
    try {
      return await this.request<EscalationRule>(
        'GET',
        `/services/${encodeURIComponent(serviceRef)}/rule`,
      );
    } catch (e) {
      if ((e as Error).name === 'NotFoundError') return undefined;
      throw e;
    }
  }
  saveRule(
    serviceRef: string,
    rule: { name: string; steps: EscalationStep[]; repeat?: number },
  ) {
    return this.request<EscalationRule>(
      'PUT',
      `/services/${encodeURIComponent(serviceRef)}/rule`,
      rule,
    );
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.deps.discoveryApi.getBaseUrl('oncall');
    const res = await this.deps.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      headers:
        body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const error = new Error(
        parsed?.error?.message ??
          `Request failed with ${res.status} ${res.statusText}`,
      );
      error.name = parsed?.error?.name ?? 'ResponseError';
      throw error;
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}
