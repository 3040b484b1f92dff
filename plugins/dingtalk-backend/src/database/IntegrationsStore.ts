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

import type { Knex } from 'knex';
import type {
  DingtalkEdition,
  DingtalkLimitsOverride,
  DingtalkTransport,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** An integration with its secrets, as only the backend ever sees it. */
export interface StoredIntegration {
  id: string;
  name: string;
  corpId: string;
  agentId: string;
  clientId: string;
  clientSecret: string;
  aesKey: string;
  token: string;
  edition: DingtalkEdition;
  transport: DingtalkTransport;
  warRoom: { templateId?: string; botId?: string };
  /** Corrections of the edition's limits; absent values are the edition's. */
  limits?: DingtalkLimitsOverride;
  source: 'database' | 'config';
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
}

type Sealer = { seal(v: string): string; open(v: string): string };

/** The `dingtalk_integrations` table; secrets are sealed before they are written. */
export class IntegrationsStore {
  constructor(private readonly db: Knex, private readonly box: Sealer) {}

  async list(): Promise<StoredIntegration[]> {
    const rows = await this.db('dingtalk_integrations').orderBy('name');
    return rows.map(r => this.fromRow(r));
  }

  async get(id: string): Promise<StoredIntegration | undefined> {
    const row = await this.db('dingtalk_integrations').where({ id }).first();
    return row ? this.fromRow(row) : undefined;
  }

  async insert(i: StoredIntegration): Promise<void> {
    await this.db('dingtalk_integrations').insert(this.toRow(i));
  }

  async update(i: StoredIntegration): Promise<void> {
    const { id, created_at, created_by, ...rest } = this.toRow(i);
    await this.db('dingtalk_integrations').where({ id }).update(rest);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('dingtalk_integrations').where({ id }).delete()) > 0;
  }

  private toRow(i: StoredIntegration) {
    return {
      id: i.id,
      name: i.name,
      corp_id: i.corpId,
      agent_id: i.agentId,
      client_id: i.clientId,
      secrets: this.box.seal(
        JSON.stringify({
          clientSecret: i.clientSecret,
          aesKey: i.aesKey,
          token: i.token,
        }),
      ),
      edition: i.edition,
      transport: i.transport,
      war_room_template_id: i.warRoom.templateId ?? null,
      war_room_bot_id: i.warRoom.botId ?? null,
      qps_limit: i.limits?.qps ?? null,
      monthly_quota: i.limits?.monthlyQuota ?? null,
      created_by: i.createdBy ?? null,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
    };
  }

  private fromRow(r: any): StoredIntegration {
    const secrets = JSON.parse(this.box.open(r.secrets));
    return {
      id: r.id,
      name: r.name,
      corpId: r.corp_id,
      agentId: r.agent_id,
      clientId: r.client_id,
      clientSecret: secrets.clientSecret,
      aesKey: secrets.aesKey,
      token: secrets.token,
      edition: r.edition,
      transport: r.transport,
      warRoom: {
        templateId: r.war_room_template_id ?? undefined,
        botId: r.war_room_bot_id ?? undefined,
      },
      limits: limitsOf(r),
      source: 'database',
      createdBy: r.created_by ?? undefined,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

function limitsOf(r: any): DingtalkLimitsOverride | undefined {
  const limits: DingtalkLimitsOverride = {};
  // bigint columns come back from PostgreSQL as strings
  if (r.qps_limit !== null && r.qps_limit !== undefined)
    limits.qps = Number(r.qps_limit);
  if (r.monthly_quota !== null && r.monthly_quota !== undefined)
    limits.monthlyQuota = Number(r.monthly_quota);
  return Object.keys(limits).length ? limits : undefined;
}
