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
  DeliveryRecord,
  DingtalkAccountLink,
  DingtalkGroupChat,
  DingtalkIntegration,
  DingtalkIntegrationCreate,
  DingtalkIntegrationUpdate,
  DingtalkLinkSource,
  DingtalkUsage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** @public */
export interface LinkedUserRow {
  userEntityRef: string;
  displayName?: string;
  dingtalkUserId?: string;
  linkedAt?: string;
  /** Where the link came from (the org sync, a DingTalk sign-in, the H5 page, the mobile run, an admin). */
  source?: DingtalkLinkSource;
  /** Other catalog users claiming the same DingTalk id: none of them is linked until one remains. */
  conflictsWith?: string[];
}

/** What a link ticket would bind, for the person to check first. @public */
export interface LinkPreview {
  integration: { id: string; name: string; corpId: string };
  dingtalk: { userId: string; name?: string; avatarUrl?: string };
  backstage: { userEntityRef: string; displayName?: string };
  /** Where the catalog and DingTalk disagree (mobile, email). */
  warnings: string[];
  /** Set when either account is linked already: unlink first. */
  conflict?: string;
  expiresAt: string;
}

/** @public */
export interface Page<T> {
  items: T[];
  /** Exact up to 1,000 matches; past that only `totalAtLeast` is given. */
  total?: number;
  totalAtLeast?: number;
  nextCursor?: string;
}

/** The DingTalk backend, for the frontend. @public */
export interface DingtalkApi {
  listIntegrations(): Promise<DingtalkIntegration[]>;
  createIntegration(
    body: DingtalkIntegrationCreate,
  ): Promise<DingtalkIntegration>;
  updateIntegration(
    id: string,
    body: DingtalkIntegrationUpdate,
  ): Promise<DingtalkIntegration>;
  deleteIntegration(id: string): Promise<void>;
  testIntegration(id: string): Promise<{ ok: boolean; message: string }>;
  listGroups(
    id: string,
    opts?: { q?: string; limit?: number; cursor?: string },
  ): Promise<Page<DingtalkGroupChat>>;
  refreshGroups(id: string): Promise<{ refreshed: number; failed: string[] }>;
  listRecords(opts: {
    integrationId?: string;
    outcome?: string;
    user?: string;
    reference?: string;
    limit?: number;
    cursor?: string;
  }): Promise<Page<DeliveryRecord>>;
  usage(id: string): Promise<DingtalkUsage>;
  listLinks(opts: {
    integrationId: string;
    filter?: 'all' | 'linked' | 'unlinked';
    q?: string;
  }): Promise<{ items: LinkedUserRow[] }>;
  unlink(integrationId: string, userEntityRef: string): Promise<void>;
  linkAllByMobile(
    integrationId: string,
  ): Promise<{ linked: string[]; notFound: string[]; skipped: string[] }>;
  myLinks(): Promise<DingtalkAccountLink[]>;
  previewLink(ticket: string): Promise<LinkPreview>;
  confirmLink(ticket: string): Promise<DingtalkAccountLink>;
}

/** @public */
export const dingtalkApiRef = createApiRef<DingtalkApi>({
  id: 'plugin.dingtalk.api',
});

/** Talks to the dingtalk backend plugin; errors carry the backend's reason. @public */
export class DingtalkClient implements DingtalkApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  listIntegrations() {
    return this.request<DingtalkIntegration[]>('GET', '/integrations');
  }
  createIntegration(body: DingtalkIntegrationCreate) {
    return this.request<DingtalkIntegration>('POST', '/integrations', body);
  }
  updateIntegration(id: string, body: DingtalkIntegrationUpdate) {
    return this.request<DingtalkIntegration>(
      'PUT',
      `/integrations/${enc(id)}`,
      body,
    );
  }
  deleteIntegration(id: string) {
    return this.request<void>('DELETE', `/integrations/${enc(id)}`);
  }
  testIntegration(id: string) {
    return this.request<{ ok: boolean; message: string }>(
      'POST',
      `/integrations/${enc(id)}/test`,
    );
  }
  listGroups(
    id: string,
    opts: { q?: string; limit?: number; cursor?: string } = {},
  ) {
    return this.request<Page<DingtalkGroupChat>>(
      'GET',
      `/integrations/${enc(id)}/groups?${query(opts)}`,
    );
  }
  refreshGroups(id: string) {
    return this.request<{ refreshed: number; failed: string[] }>(
      'POST',
      `/integrations/${enc(id)}/groups/refresh`,
    );
  }
  listRecords(opts: {
    integrationId?: string;
    outcome?: string;
    user?: string;
    reference?: string;
    limit?: number;
    cursor?: string;
  }) {
    return this.request<Page<DeliveryRecord>>('GET', `/records?${query(opts)}`);
  }
  usage(id: string) {
    return this.request<DingtalkUsage>('GET', `/integrations/${enc(id)}/usage`);
  }
  listLinks(opts: {
    integrationId: string;
    filter?: 'all' | 'linked' | 'unlinked';
    q?: string;
  }) {
    return this.request<{ items: LinkedUserRow[] }>(
      'GET',
      `/links?${query(opts)}`,
    );
  }
  unlink(integrationId: string, userEntityRef: string) {
    return this.request<void>(
      'DELETE',
      `/links/${enc(integrationId)}/${enc(userEntityRef)}`,
    );
  }
  linkAllByMobile(integrationId: string) {
    return this.request<{
      linked: string[];
      notFound: string[];
      skipped: string[];
    }>('POST', `/integrations/${enc(integrationId)}/links/link-all-by-mobile`);
  }
  myLinks() {
    return this.request<DingtalkAccountLink[]>('GET', '/links/me');
  }
  // Both send the H5 session cookie the DingTalk page got: the backend
  // accepts a ticket only from the browser it was issued to.
  previewLink(ticket: string) {
    return this.request<LinkPreview>(
      'POST',
      '/links/preview',
      { ticket },
      { credentials: 'include' },
    );
  }
  confirmLink(ticket: string) {
    return this.request<DingtalkAccountLink>(
      'POST',
      '/links/confirm',
      { ticket },
      { credentials: 'include' },
    );
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    init: { credentials?: RequestCredentials } = {},
  ): Promise<T> {
    const baseUrl = await this.deps.discoveryApi.getBaseUrl('dingtalk');
    const res = await this.deps.fetchApi.fetch(`${baseUrl}${path}`, {
      ...init,
      method,
      headers:
        body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await readableError(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

/**
 * The backend's reason ("aesKey: aes_key must be exactly 43 characters"),
 * not just the status, so that people can act on it.
 */
export async function readableError(res: Response): Promise<Error> {
  const text = await res.text().catch(() => '');
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = new Error(
    body?.error?.message ??
      `Request failed with ${res.status} ${res.statusText}`,
  );
  error.name = body?.error?.name ?? 'ResponseError';
  return error;
}

function enc(v: string) {
  return encodeURIComponent(v);
}

function query(opts: Record<string, string | number | undefined>) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(opts))
    if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}
