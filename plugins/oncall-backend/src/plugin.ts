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
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { oncallPermissions } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallChannelsExtensionPoint } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { createOncallActions } from './actions/createOncallActions';
import { createStores } from './database';
import { EscalationEngine } from './engine/EscalationEngine';
import { CatalogRefs } from './service/CatalogRefs';
import { ChannelRegistry } from './service/ChannelRegistry';
import { ChannelUpdates } from './service/ChannelUpdates';
import { IncidentChat } from './service/IncidentChat';
import { IncidentService } from './service/IncidentService';
import { IncidentSignals } from './service/IncidentSignals';
import { auditedActions } from './service/auditedActions';
import { IncidentAccess } from './service/IncidentAccess';
import { redactionsOf } from './service/redaction';
import { createRouter } from './service/router';
import { UserResolver } from './service/UserResolver';

/**
 * Options of {@link createOncallPlugin}.
 *
 * @public
 */
export interface OncallPluginOptions {
  /**
   * The current time in milliseconds since the epoch, in place of
   * `Date.now`: escalation timers read it, so tests and simulations can move
   * time.
   */
  clock?: () => number;
}

/**
 * Builds the on-call backend plugin with options; the package's default
 * export is `createOncallPlugin()`.
 *
 * @public
 */
export function createOncallPlugin(
  options?: OncallPluginOptions,
): BackendFeature {
  return createBackendPlugin({
    pluginId: 'oncall',
    register(env) {
      const channels = new ChannelRegistry();
      env.registerExtensionPoint(oncallChannelsExtensionPoint, {
        addChannel: channel => channels.add(channel),
      });

      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          rootLogger: coreServices.rootLogger,
          database: coreServices.database,
          scheduler: coreServices.scheduler,
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          auth: coreServices.auth,
          permissions: coreServices.permissions,
          permissionsRegistry: coreServices.permissionsRegistry,
          auditor: coreServices.auditor,
          catalog: catalogServiceRef,
          actionsRegistry: actionsRegistryServiceRef,
          signals: signalsServiceRef,
        },
        async init(deps) {
          const { config, logger, scheduler, httpRouter } = deps;
          const clock = options?.clock ?? Date.now;
          deps.permissionsRegistry.addPermissions(oncallPermissions);

          // Every committed incident change is announced to open pages (the
          // store reports it; nothing writes before init has finished).
          const live: { signals?: IncidentSignals } = {};
          const stores = await createStores(deps.database, {
            onIncidentChange: id => live.signals?.changed(id),
          });
          live.signals = new IncidentSignals({
            signals: deps.signals,
            getIncident: id => stores.incidents.get(id),
            logger,
          });
          const engine = EscalationEngine.create({
            stores,
            channels,
            users: new UserResolver({ catalog: deps.catalog, auth: deps.auth }),
            preferences: stores.preferences,
            logger,
            clock,
            claimTimeoutMs:
              (config.getOptionalNumber(
                'oncall.escalation.claimTimeoutSeconds',
              ) ?? 15) * 1000,
            notifyTimeoutMs:
              (config.getOptionalNumber(
                'oncall.escalation.notifyTimeoutSeconds',
              ) ?? 60) * 1000,
          });
          const updates = new ChannelUpdates({
            channels,
            incidents: stores.incidents,
            logger,
            clock,
          });
          const incidents = IncidentService.create({
            stores,
            engine,
            updates,
            logger,
            clock,
          });

          const access = new IncidentAccess({
            getIncident: id => incidents.get(id),
            catalog: deps.catalog,
            auth: deps.auth,
            allowedGroups: config.getOptionalStringArray(
              'oncall.channelActions.allowedGroups',
            ),
          });
          access.register(deps.permissionsRegistry);

          const chat = new IncidentChat({
            incidents,
            stores,
            catalog: deps.catalog,
            auth: deps.auth,
            maxMessageChars: config.getOptionalNumber(
              'oncall.chat.maxMessageChars',
            ),
          });
          for (const channel of channels.list()) {
            channel.bind?.({
              incidents: auditedActions(chat, deps.auditor, channel, access),
            });
          }

          createOncallActions({
            actionsRegistry: deps.actionsRegistry,
            permissions: deps.permissions,
            auditor: deps.auditor,
            incidents,
          });

          const tickSeconds =
            config.getOptionalNumber('oncall.escalation.tickSeconds') ?? 5;
          await scheduler.scheduleTask({
            id: 'oncall-escalation',
            frequency: { seconds: tickSeconds },
            timeout: { minutes: 10 },
            // On every replica: the claims already let one run each step,
            // and a global task's lock held by a replica that died would
            // stop every tick until the task's timeout.
            scope: 'local',
            fn: async () => {
              // A step this process is still running (started by kick() when
              // an incident arrived) holds its claim until it has recorded
              // the step; ticking meanwhile would skip that incident until
              // the next tick. Let it finish first.
              await engine.idle();
              await engine.tick();
            },
          });

          httpRouter.addAuthPolicy({
            path: '/health',
            allow: 'unauthenticated',
          });
          httpRouter.addAuthPolicy({
            path: '/alerts',
            allow: 'unauthenticated',
          });
          httpRouter.use(
            await createRouter({
              httpAuth: deps.httpAuth,
              permissions: deps.permissions,
              auditor: deps.auditor,
              logger,
              stores,
              incidents,
              channels,
              clock,
              redact: redactionsOf(deps.rootLogger),
              catalogRefs: new CatalogRefs({
                catalog: deps.catalog,
                auth: deps.auth,
              }),
            }),
          );
        },
      });
    },
  });
}

/**
 * The on-call backend plugin: incidents, alert webhooks, escalation rules and
 * the escalation engine.
 * @public
 */
export const oncallPlugin = createOncallPlugin();
