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

import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { dingtalkLinkManagePermission } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import type { LinksStore } from '../../database/LinksStore';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import type { People } from '../People';
import type { ApiContext } from './apiContext';

/** Removing a link (one's own, or anyone's with the manage permission) and linking everyone by mobile. */
export function createLinksAdminRouter(deps: {
  api: ApiContext;
  httpAuth: HttpAuthService;
  registry: IntegrationRegistry;
  links: LinksStore;
  people: People;
}): express.Router {
  const { authorize, audited } = deps.api;
  const router = Router();

  const { httpAuth, registry } = deps;

  // GET /links/me and /links (with each link's source) and POST /links/sign-in:
  // accountLinksRouter.ts. POST /links/preview and /links/confirm: linkRouter.ts.

  router.delete('/links/:integrationId/:userEntityRef', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const target = req.params.userEntityRef;
    const self =
      credentials.principal.type === 'user' &&
      (credentials.principal as any).userEntityRef === target;
    if (!self) await authorize(req, dingtalkLinkManagePermission);
    const removed = await audited(
      req,
      'link-mutate',
      {
        action: 'unlink',
        integrationId: req.params.integrationId,
        user: target,
      },
      () => deps.links.unlink(req.params.integrationId, target),
    );
    if (!removed)
      throw new NotFoundError(
        `${target} has no DingTalk link in integration '${req.params.integrationId}'`,
      );
    res.status(204).end();
  });

  router.post(
    '/integrations/:id/links/link-all-by-mobile',
    async (req, res) => {
      await authorize(req, dingtalkLinkManagePermission);
      const integration = await registry.get(req.params.id);
      const result = await audited(
        req,
        'link-mutate',
        { action: 'link-all-by-mobile', integrationId: integration.id },
        () => deps.people.linkAllByMobile(integration),
      );
      res.json(result);
    },
  );

  return router;
}
