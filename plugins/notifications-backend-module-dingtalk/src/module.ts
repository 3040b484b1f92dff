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
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationsProcessingExtensionPoint } from '@backstage/plugin-notifications-node';
import { durationToMilliseconds, type HumanDuration } from '@backstage/types';
import { dingtalkNotifierServiceRef } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { DingtalkNotificationProcessor } from './lib/DingtalkNotificationProcessor';

/**
 * Backstage notifications to DingTalk (channel `DingTalk` in users' settings).
 * @public
 */
export const notificationsModuleDingtalk = createBackendModule({
  pluginId: 'notifications',
  moduleId: 'dingtalk',
  register(reg) {
    reg.registerInit({
      deps: {
        processing: notificationsProcessingExtensionPoint,
        notifier: dingtalkNotifierServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
      },
      async init({
        processing,
        notifier,
        catalog,
        auth,
        logger,
        config,
        database,
      }) {
        const db = await database.getClient();
        if (!database.migrations?.skip) {
          await db.migrate.latest({
            directory: resolvePackagePath(
              '@dingtalk-oncall/backstage-plugin-notifications-backend-module-dingtalk',
              'migrations',
            ),
            tableName: 'notifications_module_dingtalk__knex_migrations',
          });
        }
        const options = config.getOptionalConfig(
          'notifications.processors.dingtalk',
        );
        const interval =
          options?.getOptional<HumanDuration>('throttleInterval');
        processing.addProcessor(
          new DingtalkNotificationProcessor({
            notifier,
            catalog,
            auth,
            logger,
            db,
            appBaseUrl:
              config.getOptionalString('app.baseUrl') ??
              'http://localhost:3000',
            integrationId: options?.getOptionalString('integrationId'),
            allowedLinkHosts:
              options?.getOptionalStringArray('allowedLinkHosts'),
            throttle: {
              limit: options?.getOptionalNumber('concurrencyLimit') ?? 10,
              intervalMs: interval ? durationToMilliseconds(interval) : 1000,
            },
          }),
        );
      },
    });
  },
});
