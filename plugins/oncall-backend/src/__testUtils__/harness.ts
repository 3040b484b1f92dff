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
import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { OncallChannel } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { Knex } from 'knex';
import { createStores, OncallStores } from '../database';
import { EscalationEngine } from '../engine/EscalationEngine';
import { ChannelRegistry } from '../service/ChannelRegistry';
import { ChannelUpdates } from '../service/ChannelUpdates';
import { IncidentChat } from '../service/IncidentChat';
import { IncidentService } from '../service/IncidentService';
import { UserResolver } from '../service/UserResolver';

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const MINUTE = 60_000;

export function catalogEntities(): Entity[] {
  const user = (name: string, memberOf: string[] = []): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { memberOf },
  });
  return [
    user('alice'),
    user('bob', ['sre']),
    user('carol', ['sre']),
    user('reader'),
    user('dave', ['leads']),
    // sre owns payments: its members may act on payments incidents from a chat
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'payments', namespace: 'default' },
      spec: { type: 'service', owner: 'sre', lifecycle: 'production' },
    },
    // the storm test's service (rules are only saved for catalog services)
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'checkout', namespace: 'default' },
      spec: { type: 'service', owner: 'sre', lifecycle: 'production' },
    },
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'sre', namespace: 'default' },
      spec: { type: 'team', children: [] },
      relations: [
        { type: 'hasMember', targetRef: 'user:default/bob' },
        { type: 'hasMember', targetRef: 'user:default/carol' },
      ],
    },
  ];
}

export type Harness = {
  stores: OncallStores;
  channels: ChannelRegistry;
  engine: EscalationEngine;
  incidents: IncidentService;
  clock: { now: number };
};

/**
 * Wires the real stores, engine and incident service on a test database, as
 * plugin.ts does, with a controllable clock. A second harness on the same
 * knex is a second replica.
 */
export async function createHarness(
  knex: Knex,
  options?: {
    channels?: OncallChannel[];
    clock?: { now: number };
    instanceId?: string;
    claimTimeoutMs?: number;
    notifyTimeoutMs?: number;
    skipMigrations?: boolean;
  },
): Promise<Harness> {
  const clock = options?.clock ?? { now: T0 };
  const now = () => clock.now;
  const stores = await createStores({
    getClient: async () => knex,
    migrations: { skip: options?.skipMigrations ?? false },
  });
  const channels = new ChannelRegistry();
  for (const c of options?.channels ?? []) channels.add(c);
  const logger = mockServices.logger.mock();
  const engine = EscalationEngine.create({
    stores,
    channels,
    users: new UserResolver({
      catalog: catalogServiceMock({ entities: catalogEntities() }),
      auth: mockServices.auth(),
    }),
    logger,
    clock: now,
    instanceId: options?.instanceId,
    claimTimeoutMs: options?.claimTimeoutMs,
    notifyTimeoutMs: options?.notifyTimeoutMs,
  });
  const incidents = IncidentService.create({
    stores,
    engine,
    updates: new ChannelUpdates({
      channels,
      incidents: stores.incidents,
      logger,
      clock: now,
    }),
    logger,
    clock: now,
  });
  const catalog = catalogServiceMock({ entities: catalogEntities() });
  const chat = new IncidentChat({
    incidents,
    stores,
    catalog,
    auth: mockServices.auth(),
  });
  for (const c of channels.list()) c.bind?.({ incidents: chat });
  return { stores, channels, engine, incidents, clock };
}
