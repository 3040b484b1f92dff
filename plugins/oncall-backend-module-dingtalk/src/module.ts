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
  coreServices,
  createBackendModule,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { dingtalkNotifierServiceRef } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { oncallChannelsExtensionPoint } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { attachChatCommands } from './commands/attachChatCommands';
import { createCardActionRouter } from './lib/cardActionRouter';
import { DingtalkChannel } from './lib/DingtalkChannel';

/** The scheduled task that sends the waiting digest cards. */
export const DIGEST_FLUSH_TASK = 'oncall-dingtalk-digest-flush';

/**
 * DingTalk as a channel of the on-call plugin.
 * @public
 */
export const oncallModuleDingtalk = createBackendModule({
  pluginId: 'oncall',
  moduleId: 'dingtalk',
  register(reg) {
    reg.registerInit({
      deps: {
        channels: oncallChannelsExtensionPoint,
        notifier: dingtalkNotifierServiceRef,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        scheduler: coreServices.scheduler,
        events: eventsServiceRef,
      },
      async init({
        channels,
        notifier,
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        scheduler,
        events,
      }) {
        const db = await database.getClient();
        if (!database.migrations?.skip) {
          // The oncall plugin's database, with this module's own migrations table.
          await db.migrate.latest({
            directory: resolvePackagePath(
              '@dingtalk-oncall/backstage-plugin-oncall-backend-module-dingtalk',
              'migrations',
            ),
            tableName: 'oncall_module_dingtalk__knex_migrations',
          });
        }
        const options = config.getOptionalConfig('oncall.channels.dingtalk');
        const digestSeconds =
          options?.getOptionalNumber('aggregation.digestSeconds') ?? 30;
        const channel = new DingtalkChannel({
          notifier,
          db,
          logger,
          appBaseUrl:
            config.getOptionalString('app.baseUrl') ?? 'http://localhost:3000',
          allowedLinkHosts: options?.getOptionalStringArray('allowedLinkHosts'),
          template: options?.getOptionalString('template'),
          defaultIntegrationId: options?.getOptionalString('integrationId'),
          aggregation: {
            maxCardsPerMinute:
              options?.getOptionalNumber('aggregation.maxCardsPerMinute') ?? 30,
            minQuotaShare:
              options?.getOptionalNumber('aggregation.minQuotaShare') ?? 0.1,
            digestSeconds,
            maxCardsPerTargetPerMinute:
              options?.getOptionalNumber(
                'aggregation.maxCardsPerTargetPerMinute',
              ) ?? 15,
            groupThrottleMs:
              (options?.getOptionalNumber('aggregation.groupThrottleSeconds') ??
                60) * 1000,
          },
        });
        // Robot messages: chat commands, war-room timeline and room updates.
        channels.addChannel(
          await attachChatCommands({
            channel,
            notifier,
            events,
            db,
            config,
            logger,
          }),
        );
        httpRouter.use(
          createCardActionRouter({
            channel,
            httpAuth,
            auth,
            permissions,
            logger,
          }),
        );
        // Digests wait in the database; one replica at a time sends them.
        await scheduler.scheduleTask({
          id: DIGEST_FLUSH_TASK,
          scope: 'global',
          frequency: { seconds: digestSeconds },
          timeout: { seconds: Math.max(60, 2 * digestSeconds) },
          fn: () => channel.flushDigests(),
        });
      },
    });
  },
});
