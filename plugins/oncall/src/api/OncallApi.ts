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
  EscalationRule,
  EscalationStep,
  Incident,
  IncidentList,
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
  createWarRoom(
    id: string,
  ): Promise<{ url?: string; openConversationId?: string }>;
  getRule(serviceRef: string): Promise<EscalationRule | undefined>;
  saveRule(
    serviceRef: string,
    rule: { name: string; steps: EscalationStep[]; repeat?: number },
  ): Promise<EscalationRule>;
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
  createWarRoom(id: string) {
    return this.request<{ url?: string; openConversationId?: string }>(
      'POST',
      `/dingtalk/incidents/${encodeURIComponent(id)}/war-room`,
      {},
    );
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
