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
  DINGTALK_EDITIONS,
  dingtalkIntegrationCreatePermission,
  dingtalkIntegrationDeletePermission,
  dingtalkIntegrationReadPermission,
  dingtalkIntegrationUpdatePermission,
  integrationCreateSchema,
  integrationUpdateSchema,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import { parse, type ApiContext } from './apiContext';

/** Integrations: list, create, read, update, delete, test the credentials; and the edition table. */
export function createIntegrationsRouter(deps: {
  api: ApiContext;
  registry: IntegrationRegistry;
  onIntegrationChanged: (id: string) => void;
}): express.Router {
  const { authorize, audited } = deps.api;
  const router = Router();

  const { registry } = deps;
  const who = deps.api.who;

  router.get('/integrations', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    res.json((await registry.list()).map(i => registry.toPublic(i)));
  });

  router.post('/integrations', async (req, res) => {
    const credentials = await authorize(
      req,
      dingtalkIntegrationCreatePermission,
    );
    const input = parse(integrationCreateSchema, req.body);
    const created = await audited(
      req,
      'integration-mutate',
      { action: 'create', name: input.name },
      () => registry.create(input, who(credentials)),
    );
    deps.onIntegrationChanged(created.id);
    res.status(201).json(registry.toPublic(created));
  });

  router.get('/integrations/:id', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    res.json(registry.toPublic(await registry.get(req.params.id)));
  });

  router.put('/integrations/:id', async (req, res) => {
    await authorize(req, dingtalkIntegrationUpdatePermission);
    const patch = parse(integrationUpdateSchema, req.body);
    const updated = await audited(
      req,
      'integration-mutate',
      {
        action: 'update',
        id: req.params.id,
        fields: Object.keys(patch).join(','),
      },
      () => registry.update(req.params.id, patch),
    );
    deps.onIntegrationChanged(updated.id);
    res.json(registry.toPublic(updated));
  });

  router.delete('/integrations/:id', async (req, res) => {
    await authorize(req, dingtalkIntegrationDeletePermission);
    await audited(
      req,
      'integration-mutate',
      { action: 'delete', id: req.params.id },
      () => registry.delete(req.params.id),
    );
    deps.onIntegrationChanged(req.params.id);
    res.status(204).end();
  });

  router.post('/integrations/:id/test', async (req, res) => {
    await authorize(req, dingtalkIntegrationUpdatePermission);
    const integration = await registry.get(req.params.id);
    try {
      await registry.probeClient(integration).fetchAccessToken();
      res.json({
        ok: true,
        message: `DingTalk issued an access token for Client ID ${integration.clientId}`,
      });
    } catch (e) {
      res.json({
        ok: false,
        message: `DingTalk refused the credentials: ${(e as Error).message}`,
      });
    }
  });

  router.get('/editions', async (_req, res) => {
    res.json(DINGTALK_EDITIONS);
  });

  return router;
}
