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
} from '@backstage/backend-plugin-api';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  DINGTALK_CONTACT_EVENT_TYPES,
  DINGTALK_CONTACT_EVENTS_TOPIC,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { z } from 'zod';
import { dingtalkOrgEntityProviderTransformExtensionPoint } from './extensions';
import { DingtalkOrgEntityProvider } from './lib/DingtalkOrgEntityProvider';
import type {
  DingtalkGroupTransformer,
  DingtalkUserTransformer,
} from './lib/transformers';

/**
 * What the dingtalk backend publishes on `dingtalk.contact` (contract 4 in
 * docs/DESIGN.md). Anything on the topic is checked: another publisher's
 * malformed payload is dropped with a warning, not applied.
 */
const contactEvent = z.object({
  integrationId: z.string().min(1).max(64),
  corpId: z.string().min(1).max(64),
  eventType: z.enum(DINGTALK_CONTACT_EVENT_TYPES),
  userIds: z.array(z.string().min(1).max(64)).max(1000).optional(),
  deptIds: z.array(z.number().int().positive()).max(1000).optional(),
});

/**
 * DingTalk's organisation in the catalog: one entity provider per
 * `catalog.providers.dingtalk.<id>`, kept current by address-book events.
 * @public
 */
export const catalogModuleDingtalkOrgEntityProvider = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'dingtalk-org-entity-provider',
  register(env) {
    let userTransformer: DingtalkUserTransformer | undefined;
    let groupTransformer: DingtalkGroupTransformer | undefined;
    env.registerExtensionPoint(
      dingtalkOrgEntityProviderTransformExtensionPoint,
      {
        setUserTransformer(t) {
          if (userTransformer)
            throw new Error('The DingTalk user transformer is set already');
          userTransformer = t;
        },
        setGroupTransformer(t) {
          if (groupTransformer)
            throw new Error('The DingTalk group transformer is set already');
          groupTransformer = t;
        },
      },
    );
    env.registerInit({
      deps: {
        catalogProcessing: catalogProcessingExtensionPoint,
        catalog: catalogServiceRef,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        events: eventsServiceRef,
      },
      async init({ catalogProcessing, events, lifecycle, ...deps }) {
        const providers = DingtalkOrgEntityProvider.fromConfig(deps.config, {
          ...deps,
          userTransformer,
          groupTransformer,
        });
        if (providers.length === 0) return;
        catalogProcessing.addEntityProvider(providers);
        lifecycle.addShutdownHook(() => providers.forEach(p => p.stop()));
        await events.subscribe({
          id: 'dingtalk-org-entity-provider',
          topics: [DINGTALK_CONTACT_EVENTS_TOPIC],
          async onEvent({ eventPayload }) {
            const parsed = contactEvent.safeParse(eventPayload);
            if (!parsed.success) {
              deps.logger.warn(
                `Ignored a malformed ${DINGTALK_CONTACT_EVENTS_TOPIC} event: ${parsed.error.issues
                  .map(i => `${i.path.join('.')}: ${i.message}`)
                  .join('; ')}`,
              );
              return;
            }
            // Each provider queues it behind its running full sync (which may
            // take minutes: the publisher, and DingTalk's push, do not wait
            // for that); a failure is retried, then repaired by an early
            // full sync.
            for (const p of providers)
              void p.applyContactEventOrRetry(parsed.data);
          },
        });
      },
    });
  },
});
