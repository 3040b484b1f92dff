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
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  DINGTALK_ROBOT_MESSAGE_TOPIC,
  dingtalkPermissions,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { migrateDingtalkNode } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import Router from 'express-promise-router';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createDingtalkActions } from './actions/createDingtalkActions';
import { CardsStore } from './database/CardsStore';
import { CardSecretsStore } from './database/CardSecretsStore';
import { migrateDingtalkBackend } from './database/migrations';
import { cacheSqliteStatements } from './lib/statementCache';
import { EventsStore } from './database/EventsStore';
import { GroupsStore } from './database/GroupsStore';
import { IntegrationsStore } from './database/IntegrationsStore';
import { AccountLinks } from './service/AccountLinks';
import { createAccountLinksRouter } from './service/accountLinksRouter';
import { contactEventPublisher } from './service/contactEvents';
import { createContactsRouter } from './service/contactsRouter';
import { RecordsStore } from './database/RecordsStore';
import { StreamLeaseStore } from './database/StreamLeaseStore';
import { readEncryptionKey } from './lib/encryptionKey';
import { SecretBox } from './lib/SecretBox';
import { redactionsOf } from './lib/redactions';
import { createCallbackRouter } from './service/callbackRouter';
import { CardCallbackSecrets } from './service/CardCallbackSecrets';
import { createCardSecretRouter } from './service/cardSecretRouter';
import { EventProcessor } from './service/EventProcessor';
import { createH5Router } from './service/h5Router';
import { readH5Settings } from './service/h5SessionRouter';
import { H5RateLimiter } from './service/H5RateLimiter';
import { createLinkRouter } from './service/linkRouter';
import { LinkTicketsStore } from './database/LinkTicketsStore';
import {
  IntegrationRegistry,
  readSettings,
} from './service/IntegrationRegistry';
import { Messenger } from './service/Messenger';
import { People } from './service/People';
import { createApiRouter } from './service/router';
import {
  createStreamFrameRouter,
  StreamManager,
} from './service/stream/StreamManager';
import { UsageService } from './service/UsageService';
import { RobotMessages } from './service/robot/RobotMessages';
import { RobotReplies } from './service/robot/RobotReplies';
import { createRobotRouter } from './service/robot/robotRouter';

/**
 * The DingTalk backend plugin: integrations, DingTalk's callbacks, group
 * chats, messages and cards, operation records, usage, account links and the
 * H5 pages.
 * @public
 */
export const dingtalkPlugin = createBackendPlugin({
  pluginId: 'dingtalk',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        rootLogger: coreServices.rootLogger,
        database: coreServices.database,
        cache: coreServices.cache,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        actionsRegistry: actionsRegistryServiceRef,
        catalog: catalogServiceRef,
        notifications: notificationService,
        events: eventsServiceRef,
      },
      async init(deps) {
        const { config, logger, database, httpRouter } = deps;
        const db = await database.getClient();
        cacheSqliteStatements(db);
        if (!database.migrations?.skip) {
          await migrateDingtalkBackend(db);
          await migrateDingtalkNode(db);
        }
        deps.permissionsRegistry.addPermissions(dingtalkPermissions);

        // Every secret the box seals or opens (integration credentials, card
        // callback secrets) is redacted from every log line from then on.
        const box = new SecretBox(readEncryptionKey(config, logger), {
          onSecrets: redactionsOf(deps.rootLogger),
        });
        const settings = await readSettings(config, deps.discovery);
        const integrations = new IntegrationsStore(db, box);
        const registry = new IntegrationRegistry({
          store: integrations,
          config,
          settings,
          db,
          cache: deps.cache,
          logger,
        });
        const stores = {
          integrations,
          groups: new GroupsStore(db),
          events: new EventsStore(db),
          records: new RecordsStore(db),
          // Stored links, then the catalog's dingtalk.com/user-id of synced people.
          links: new AccountLinks(db, {
            catalog: deps.catalog,
            auth: deps.auth,
            logger,
            corpIdOf: async id => (await registry.find(id))?.corpId,
          }),
          cards: new CardsStore(db),
        };
        const usage = new UsageService({
          quota: registry.quota,
          cards: stores.cards,
          logger,
          notifications: deps.notifications,
        });
        const messenger = new Messenger({
          registry,
          links: stores.links,
          records: stores.records,
          cards: stores.cards,
          settings,
          logger,
          onCalls: i =>
            void usage
              .checkQuota(i)
              .catch(e => logger.warn(`Quota check failed: ${e}`)),
        });
        const people = new People({
          registry,
          links: stores.links,
          cards: stores.cards,
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
          cardTemplateId: settings.cardTemplateId,
        });
        const events = new EventProcessor({
          events: stores.events,
          groups: stores.groups,
          registry,
          logger,
          onContactEvent: contactEventPublisher(deps.events, {
            links: stores.links,
            auditor: deps.auditor,
          }),
        });

        // Card button clicks come back over HTTP signed with a secret only
        // DingTalk was given. Registered at start and whenever an integration
        // changes; rotated when its credentials do.
        const cardSecrets = new CardCallbackSecrets({
          store: new CardSecretsStore(db, box),
          registry,
          box,
          publicBaseUrl: settings.publicBaseUrl,
          logger,
        });
        const registerQuietly = (id: string) =>
          cardSecrets
            .sync(id)
            .catch(e =>
              logger.warn(
                `Could not register the DingTalk card callback of ${id}: ${e}`,
              ),
            );

        const callbackDeps = {
          registry,
          events,
          cards: stores.cards,
          links: stores.links,
          cardSecrets,
          discovery: deps.discovery,
          auth: deps.auth,
          logger,
        };
        // Robot messages (HTTP callback and Stream) are published for other
        // plugins on the events service; replies go out through the client.
        const robotMessages = new RobotMessages({
          events: stores.events,
          links: stores.links,
          publish: event =>
            deps.events.publish({
              topic: DINGTALK_ROBOT_MESSAGE_TOPIC,
              eventPayload: event,
            }),
          logger,
        });
        const robotReplies = new RobotReplies({
          registry,
          records: stores.records,
          db,
          logger,
          perMinute: config.getOptionalNumber(
            'dingtalk.robot.repliesPerMinute',
          ),
          onCalls: i =>
            void usage
              .checkQuota(i)
              .catch(e => logger.warn(`Quota check failed: ${e}`)),
        });
        const callbacks = createCallbackRouter(callbackDeps);
        // Stream mode: the same events and card clicks over one WebSocket per
        // integration, held by one replica at a time.
        const streams = new StreamManager({
          registry,
          leases: new StreamLeaseStore(db),
          onFrame: createStreamFrameRouter({
            ...callbackDeps,
            robot: robotMessages,
          }),
          logger,
          apiBaseUrl: settings.apiBaseUrl,
          instanceId: `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(
            4,
          ).toString('hex')}`,
          leaseTtlMs:
            (config.getOptionalNumber('dingtalk.stream.leaseSeconds') ?? 30) *
            1000,
        });
        const onIntegrationChanged = (id: string) => {
          void registerQuietly(id);
          void streams.kick();
        };
        // The H5 pages and account linking: rate limits and link tickets in
        // the database, so that every replica enforces the same ones.
        const tickets = new LinkTicketsStore(db);
        const h5Settings = readH5Settings(config);
        const h5 = createH5Router({
          registry,
          links: stores.links,
          tickets,
          limiter: new H5RateLimiter(db, h5Settings.rateLimits),
          settings,
          h5: h5Settings,
          discovery: deps.discovery,
          auth: deps.auth,
          logger,
        });
        const api = await createApiRouter({
          httpAuth: deps.httpAuth,
          permissions: deps.permissions,
          auditor: deps.auditor,
          catalog: deps.catalog,
          registry,
          groups: stores.groups,
          records: stores.records,
          links: stores.links,
          messenger,
          people,
          usage,
          box,
          onIntegrationChanged,
        });

        createDingtalkActions({
          actionsRegistry: deps.actionsRegistry,
          permissions: deps.permissions,
          auditor: deps.auditor,
          registry,
          groups: stores.groups,
          messenger,
          people,
        });

        const router = Router();
        router.get('/health', (_req, res) => {
          res.json({ status: 'ok' });
        });
        router.use(callbacks);
        router.use(
          createRobotRouter({
            registry,
            messages: robotMessages,
            replies: robotReplies,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            logger,
          }),
        );
        router.use(
          createCardSecretRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            registry,
            cardSecrets,
          }),
        );
        router.use(h5);
        router.use(
          createLinkRouter({
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            catalog: deps.catalog,
            registry,
            links: stores.links,
            tickets,
            logger,
          }),
        );
        router.use(
          createContactsRouter({ httpAuth: deps.httpAuth, registry, logger }),
        );
        router.use(
          createAccountLinksRouter({
            httpAuth: deps.httpAuth,
            auth: deps.auth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            catalog: deps.catalog,
            registry,
            links: stores.links,
          }),
        );
        router.use(api);
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({
          path: '/integrations/:id/events',
          allow: 'unauthenticated',
        });
        httpRouter.addAuthPolicy({
          path: '/integrations/:id/card-callback',
          allow: 'unauthenticated',
        });
        httpRouter.addAuthPolicy({ path: '/h5', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({
          path: '/integrations/:id/robot-messages',
          allow: 'unauthenticated',
        });

        // Not awaited: DingTalk being unreachable must not stop the backend.
        void registry
          .list()
          .then(all => Promise.all(all.map(i => registerQuietly(i.id))));
        // The dedupe table of handled events would otherwise grow forever.
        const retentionDays =
          config.getOptionalNumber('dingtalk.eventRetentionDays') ?? 7;
        await deps.scheduler.scheduleTask({
          id: 'dingtalk-event-retention',
          frequency: { hours: 1 },
          timeout: { minutes: 5 },
          initialDelay: { minutes: 1 },
          scope: 'global',
          fn: async () => {
            const before = new Date(
              Date.now() - retentionDays * 24 * 3600_000,
            ).toISOString();
            const removed = await stores.events.prune(before);
            if (removed)
              logger.info(
                `Forgot ${removed} DingTalk event id(s) received before ${before}`,
              );
          },
        });
        deps.lifecycle.addStartupHook(() => streams.start());
        deps.lifecycle.addShutdownHook(() => streams.stop());
      },
    });
  },
});
