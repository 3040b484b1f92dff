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

import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  DingtalkContactUser,
  DingtalkContactUserPage,
  DingtalkDepartment,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/**
 * Reads DingTalk's organisation through the dingtalk backend's service-only
 * contacts API (one DingTalk call per request), so that the calls share the
 * app's QPS limiter and quota with everything else the app does, and the
 * app's credentials stay in the dingtalk backend. Counts its requests: the
 * sync reports how many DingTalk calls it made.
 * @public
 */
export class DingtalkOrgClient {
  private calls = 0;
  private token?: { value: string; until: number };

  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      integrationId: string;
    },
  ) {}

  /** DingTalk calls made through this client so far. */
  get callCount(): number {
    return this.calls;
  }

  async department(deptId: number): Promise<DingtalkDepartment | undefined> {
    return this.get<DingtalkDepartment>(`/departments/${deptId}`, true);
  }

  async subDepartments(
    deptId: number,
  ): Promise<{ corpId: string; items: DingtalkDepartment[] }> {
    return (await this.get(`/departments/${deptId}/children`))!;
  }

  async users(
    deptId: number,
    cursor = 0,
    size = 100,
  ): Promise<DingtalkContactUserPage> {
    return (await this.get(
      `/departments/${deptId}/users?cursor=${cursor}&size=${size}`,
    ))!;
  }

  async user(userId: string): Promise<DingtalkContactUser | undefined> {
    return this.get(`/users/${encodeURIComponent(userId)}`, true);
  }

  private async get<T>(
    path: string,
    notFoundIsUndefined = false,
  ): Promise<T | undefined> {
    const base = await this.deps.discovery.getBaseUrl('dingtalk');
    const url = `${base}/integrations/${encodeURIComponent(
      this.deps.integrationId,
    )}/contacts${path}`;
    this.calls++;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${await this.bearer()}` },
    }).catch(e => {
      throw new Error(
        `The dingtalk backend did not answer at ${base}: ${e}${
          e?.cause ? ` (${e.cause})` : ''
        }`,
      );
    });
    if (res.status === 404 && notFoundIsUndefined) {
      // A 404 is the person or department gone, unless the integration is
      // (the contacts router names that error distinctly).
      const error = await ResponseError.fromResponse(res);
      if (error.body.error.name !== 'NotFoundError') throw error;
      return undefined;
    }
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()) as T;
  }

  private async bearer(): Promise<string> {
    // Plugin tokens last an hour; one per few minutes is plenty.
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
      targetPluginId: 'dingtalk',
    });
    this.token = { value: token, until: Date.now() + 5 * 60_000 };
    return token;
  }
}
