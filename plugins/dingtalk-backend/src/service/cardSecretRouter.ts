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
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { dingtalkIntegrationUpdatePermission } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { DingtalkApiError } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { CardCallbackSecrets } from './CardCallbackSecrets';
import type { IntegrationRegistry } from './IntegrationRegistry';

const paramsSchema = z.object({ id: z.string().min(1).max(64) });

/**
 * `POST /integrations/:id/card-callback-secret/rotate`: a new card callback
 * secret, registered with DingTalk before the old one stops working. For
 * config-declared integrations too: the secret is the plugin's own state,
 * not app-config. The answer never contains the secret.
 */
export function createCardSecretRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  registry: IntegrationRegistry;
  cardSecrets: CardCallbackSecrets;
}): express.Router {
  const router = Router();
  router.post(
    '/integrations/:id/card-callback-secret/rotate',
    async (req, res) => {
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const [decision] = await deps.permissions.authorize(
        [{ permission: dingtalkIntegrationUpdatePermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `You are not allowed to do this (${dingtalkIntegrationUpdatePermission.name})`,
        );
      }
      const params = paramsSchema.safeParse(req.params);
      if (!params.success)
        throw new InputError('The integration id must be 1 to 64 characters');
      const { id } = params.data;
      await deps.registry.get(id); // 404 for an unknown integration
      const event = await deps.auditor.createEvent({
        eventId: 'integration-mutate',
        severityLevel: 'medium',
        request: req,
        meta: { action: 'rotate-card-callback-secret', id },
      });
      try {
        const rotated = await deps.cardSecrets.sync(id, { rotate: true });
        await event.success();
        res.json({ integrationId: id, rotatedAt: rotated?.rotatedAt });
      } catch (e) {
        await event.fail({ error: e as Error });
        if (e instanceof DingtalkApiError) {
          throw new ServiceUnavailableError(
            `DingTalk did not take the new card callback secret (${e.message}); the current secret stays valid until a rotation succeeds`,
          );
        }
        throw e;
      }
    },
  );
  return router;
}
