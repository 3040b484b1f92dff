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
import { NotFoundError } from '@backstage/errors';
import {
  oncallServiceManagePermission,
  webhookCreateSchema,
  webhookRenameSchema,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import Router from 'express-promise-router';
import { normalizeRef } from '../refs';
import {
  actorOf,
  audited,
  authorize,
  parse,
  type RouteContext,
} from './helpers';

/**
 * A service's alert webhooks: list, create, rename, rotate, delete. A token
 * is answered once (create, rotate) and only its hash is stored.
 */
export function createWebhooksRouter(ctx: RouteContext) {
  const { stores } = ctx;
  const router = Router();
  const notFound = (serviceRef: string, id: string) =>
    new NotFoundError(`Webhook ${id} not found for ${serviceRef}`);

  router.get('/services/:serviceRef/webhooks', async (req, res) => {
    await authorize(ctx, req, oncallServiceManagePermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    res.json({ items: await stores.webhooks.list(serviceRef) });
  });

  router.post('/services/:serviceRef/webhooks', async (req, res) => {
    const credentials = await authorize(
      ctx,
      req,
      oncallServiceManagePermission,
    );
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const input = parse(webhookCreateSchema, req.body, 'webhook');
    const created = await audited(
      ctx,
      req,
      'webhook-mutate',
      { actionType: 'create', serviceRef },
      () =>
        stores.webhooks.create(
          serviceRef,
          input.name,
          actorOf(credentials),
          ctx.clock(),
        ),
    );
    ctx.redact([created.token]);
    res.status(201).json(created);
  });

  router.patch('/services/:serviceRef/webhooks/:id', async (req, res) => {
    await authorize(ctx, req, oncallServiceManagePermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const { name } = parse(webhookRenameSchema, req.body, 'webhook');
    const renamed = await audited(
      ctx,
      req,
      'webhook-mutate',
      { actionType: 'rename', serviceRef, webhookId: req.params.id },
      () => stores.webhooks.rename(serviceRef, req.params.id, name),
    );
    if (!renamed) throw notFound(serviceRef, req.params.id);
    res.json(renamed);
  });

  router.post('/services/:serviceRef/webhooks/:id/rotate', async (req, res) => {
    await authorize(ctx, req, oncallServiceManagePermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const rotated = await audited(
      ctx,
      req,
      'webhook-mutate',
      { actionType: 'rotate', serviceRef, webhookId: req.params.id },
      () => stores.webhooks.rotate(serviceRef, req.params.id, ctx.clock()),
    );
    if (!rotated) throw notFound(serviceRef, req.params.id);
    ctx.redact([rotated.token]);
    res.json(rotated);
  });

  router.delete('/services/:serviceRef/webhooks/:id', async (req, res) => {
    await authorize(ctx, req, oncallServiceManagePermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const deleted = await audited(
      ctx,
      req,
      'webhook-mutate',
      { actionType: 'delete', serviceRef, webhookId: req.params.id },
      () => stores.webhooks.delete(serviceRef, req.params.id),
    );
    if (!deleted) throw notFound(serviceRef, req.params.id);
    res.status(204).end();
  });

  return router;
}
