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
  BackendFeature,
  createBackendModule,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { oncallChannelsExtensionPoint } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { PermissionPolicy } from '@backstage/plugin-permission-node';
import { Knex } from 'knex';
import { createOncallPlugin } from '../plugin';
import { FakeChannel } from './FakeChannel';
import { catalogEntities, T0 } from './harness';
import { realPermissions } from './policy';

/**
 * Starts a backend with the real plugin, a fake peer channel registered
 * through the extension point like any channel module, and a movable clock.
 */
export async function startOncallBackend(
  knex: Knex,
  options?: {
    deny?: boolean;
    channel?: FakeChannel;
    config?: object;
    /** A real permission backend with this policy, instead of allow-all. */
    policy?: PermissionPolicy;
    /** More features, e.g. a service factory overriding a default. */
    features?: BackendFeature[];
  },
) {
  const clock = { now: T0 };
  const channel = options?.channel ?? new FakeChannel();
  // The mock scheduler runs tasks only when told to, which lets tests decide
  // when the escalation task ticks.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(o?: {
      skipTaskRunOnStartup?: boolean;
    }): ServiceFactory<SchedulerService>;
    triggerTask(id: string): Promise<void>;
  };
  const channelModule = createBackendModule({
    pluginId: 'oncall',
    moduleId: 'fake-channel',
    register(reg) {
      reg.registerInit({
        deps: { channels: oncallChannelsExtensionPoint },
        async init({ channels }) {
          channels.addChannel(channel);
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      createOncallPlugin({ clock: () => clock.now }),
      channelModule,
      mockServices.database.factory({ knex }),
      scheduler.factory({ skipTaskRunOnStartup: true }),
      catalogServiceMock.factory({ entities: catalogEntities() }),
      ...(options?.config || options?.policy
        ? [
            mockServices.rootConfig.factory({
              data: {
                ...options.config,
                ...(options.policy ? { permission: { enabled: true } } : {}),
              },
            }),
          ]
        : []),
      ...(options?.policy ? realPermissions(options.policy) : []),
      ...(options?.features ?? []),
      ...(options?.deny
        ? [mockServices.permissions.factory({ result: AuthorizeResult.DENY })]
        : []),
    ],
  });
  return {
    backend,
    server: backend.server,
    channel,
    clock,
    /** Runs the scheduled escalation task once, as the scheduler would. */
    tick: () => scheduler.triggerTask('oncall-escalation'),
  };
}
