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

// The end-to-end harness of this module (dingtalk backend + on-call backend +
// this module, against the emulator), shared by module.test.ts and
// bench/storm.ts.
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type {
  BackendFeature,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import type { PermissionPolicy } from '@backstage/plugin-permission-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import type { Knex } from 'knex';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import { createOncallPlugin } from '@dingtalk-oncall/backstage-plugin-oncall-backend';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import { DIGEST_FLUSH_TASK, oncallModuleDingtalk } from '../module';
import { realPermissions } from './policy';

export const APP = {
  corpId: 'dingcorp',
  appKey: 'dingclient',
  appSecret: 'client-secret-value-0123456789',
  agentId: '3000000001',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'signature-token',
};
export const SERVICE = 'component:default/checkout-api';
export const T0 = Date.parse('2026-11-24T03:00:00Z');
export const MINUTE = 60_000;

export const user = (
  name: string,
  mobile?: string,
  memberOf: string[] = [],
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: {
    name,
    namespace: 'default',
    annotations: mobile ? { 'dingtalk.com/mobile': mobile } : {},
  },
  spec: { profile: { displayName: name }, memberOf },
});

export const service = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { type: 'service', owner: 'sre' },
});

export const alertmanager = (
  status: 'firing' | 'resolved',
  fingerprint = 'fp-1',
  title = 'Checkout error rate above 5%',
) => ({
  version: '4',
  status,
  receiver: 'backstage',
  groupKey: `{}:{alertname="${fingerprint}"}`,
  alerts: [
    {
      status,
      labels: {
        alertname: 'HighErrorRate',
        severity: 'critical',
        service: 'checkout-api',
      },
      annotations: { summary: title, description: 'checkout-api 5xx at 7%' },
      startsAt: '2026-11-24T03:00:00Z',
      endsAt:
        status === 'resolved' ? '2026-11-24T03:30:00Z' : '0001-01-01T00:00:00Z',
      fingerprint,
    },
  ],
});

/** Retries `check` (which throws until it holds) for up to `ms`. */
export async function eventually(
  check: () => void | Promise<void>,
  ms = 10_000,
) {
  const began = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() - began > ms) throw e;
      await new Promise(r => setTimeout(r, 50));
    }
  }
}

/** `eventually` for a busy machine (many backends at once): half a minute. */
export const slowly = (check: () => void | Promise<void>) =>
  eventually(check, 30_000);

/**
 * Starts the dingtalk and oncall plugins with this module, SQLite in memory,
 * the integration `demo` on the emulator's app APP, a movable on-call clock
 * and a scheduler that runs the escalation task only when `tick` is called.
 * The emulator's event URL is pointed at the started backend.
 */
export async function startOncallWithDingtalk(
  emu: EmulatorHandle,
  opts: {
    aggregation?: object;
    entities?: Entity[];
    transport?: 'http' | 'stream';
    /** A real permission backend with this policy, instead of allow-all. */
    policy?: PermissionPolicy;
    /** More features, e.g. a service factory overriding a default. */
    features?: BackendFeature[];
    /** More of this module's config (`oncall.channels.dingtalk`). */
    channelConfig?: object;
    /** A shared database (e.g. PostgreSQL) instead of SQLite in memory: replicas. */
    knex?: Knex;
    /**
     * Real time: the on-call clock is `Date.now`, and the real scheduler
     * runs the escalation tick every second and the digest flush task, as
     * in production (`tick` and `flushDigests` are then not available).
     */
    realTime?: boolean;
    /** More of the on-call plugin's config (`oncall`), e.g. `escalation`. */
    oncallConfig?: object;
  } = {},
) {
  const transport = opts.transport ?? 'http';
  const clock = { now: T0 };
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(o?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService>;
    triggerTask(id: string): Promise<void>;
  };
  const backend = await startTestBackend({
    features: [
      dingtalkPlugin,
      createOncallPlugin({
        clock: opts.realTime ? () => Date.now() : () => clock.now,
      }),
      oncallModuleDingtalk,
      opts.realTime
        ? schedulerServiceFactory
        : scheduler.factory({ skipTaskRunOnStartup: true }),
      ...(opts.knex
        ? [mockServices.database.factory({ knex: opts.knex })]
        : []),
      catalogServiceMock.factory({
        entities: [
          // alice and bob are on call for checkout-api (owned by sre)
          user('alice', '13800000001', ['sre']),
          user('bob', '13800000002', ['sre']),
          user('mock', '13800000009'),
          service('checkout-api'),
          ...(opts.entities ?? []),
        ],
      }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: {
            database: { client: 'better-sqlite3', connection: ':memory:' },
          },
          dingtalk: {
            apiBaseUrl: emu.baseUrl,
            oapiBaseUrl: emu.baseUrl,
            encryptionKey: 'test-encryption-key-0123456789abcdef',
            integrations: [
              {
                id: 'demo',
                name: 'Demo',
                corpId: APP.corpId,
                agentId: APP.agentId,
                clientId: APP.appKey,
                clientSecret: APP.appSecret,
                aesKey: APP.aesKey,
                token: APP.token,
                edition: 'standard',
                transport,
                warRoom: { templateId: 'tpl', botId: 'group-bot' },
              },
            ],
          },
          ...(opts.policy ? { permission: { enabled: true } } : {}),
          oncall: {
            ...(opts.realTime ? { escalation: { tickSeconds: 1 } } : {}),
            ...opts.oncallConfig,
            channels: {
              dingtalk: {
                aggregation: { digestSeconds: 3600, ...opts.aggregation },
                ...opts.channelConfig,
              },
            },
          },
        },
      }),
      ...(opts.policy ? realPermissions(opts.policy) : []),
      ...(opts.features ?? []),
    ],
  });
  if (transport === 'stream') {
    // Stream mode: no URL at all; the plugin holds a connection to the gateway.
    await eventually(() => {
      if (emu.control.streamConnections({ appKey: APP.appKey }) !== 1)
        throw new Error('no stream connection yet');
    });
  } else {
    // The dingtalk plugin registers its card callback URL with DingTalk at start.
    await eventually(() => {
      if (!emu.state.apps.get(APP.appKey)?.cardCallbackUrl)
        throw new Error('the card callback URL was not registered');
    });
    const port = backend.server.port();
    emu.control.updateApp(APP.appKey, {
      eventUrl: `http://127.0.0.1:${port}/api/dingtalk/integrations/demo/events`,
    });
  }
  return {
    backend,
    server: backend.server,
    clock,
    tick: () => scheduler.triggerTask('oncall-escalation'),
    /** Runs the digest flush task (the mock scheduler runs tasks only when told). */
    flushDigests: () => scheduler.triggerTask(DIGEST_FLUSH_TASK),
  };
}
