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
  dingtalkIntegrationReadPermission,
  dingtalkIntegrationUpdatePermission,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { GroupsStore } from '../../database/GroupsStore';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import { explainPermission } from '../People';
import { pageSchema, parse, type ApiContext } from './apiContext';

/** The groups an integration's app is installed in (search, membership check, refresh). */
export function createGroupsRouter(deps: {
  api: ApiContext;
  registry: IntegrationRegistry;
  groups: GroupsStore;
}): express.Router {
  const { authorize } = deps.api;
  const router = Router();

  const { registry } = deps;

  router.get('/integrations/:id/groups', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    const integration = await registry.get(req.params.id);
    const page = parse(
      pageSchema.extend({
        includeUninstalled: z.enum(['true', 'false']).optional(),
        // opaque: a keyset position (or, as before, an offset)
        cursor: z.string().max(1024).optional(),
      }),
      req.query,
    );
    // { items, total (exact up to 1,000 matches) or totalAtLeast, nextCursor }
    res.json(
      await deps.groups.search(integration.id, {
        q: page.q?.trim() || undefined,
        limit: page.limit,
        cursor: page.cursor,
        includeUninstalled: page.includeUninstalled === 'true',
      }),
    );
  });

  // Whether a group belongs to this integration: the app is installed there
  // (a known group), or it is a scene group made from the integration's war
  // room template. Callers check this before posting into a group someone
  // named, so a card cannot be sent to a group of the caller's choosing.
  router.get(
    '/integrations/:id/groups/:openConversationId',
    async (req, res) => {
      await authorize(req, dingtalkIntegrationReadPermission);
      const integration = await registry.get(req.params.id);
      const { openConversationId } = parse(
        z.object({
          openConversationId: z.string().regex(/^[A-Za-z0-9+/=_:.-]{1,128}$/),
        }),
        req.params,
      );
      const known = await deps.groups.get(integration.id, openConversationId);
      if (known?.installed) {
        res.json({ openConversationId, title: known.title, kind: 'group' });
        return;
      }
      const templateId = integration.warRoom.templateId;
      let reason = 'the app is not installed there';
      if (templateId) {
        try {
          const info = await registry
            .client(integration)
            .getSceneGroup(openConversationId);
          if (info.template_id === templateId) {
            res.json({
              openConversationId,
              title: String(info.title ?? ''),
              kind: 'war-room',
            });
            return;
          }
          reason += ` and it is not a war room of the template ${templateId}`;
        } catch (e) {
          reason += ` and DingTalk does not know it as a war room of this app (${
            (e as Error).message
          })`;
        }
      }
      throw new NotFoundError(
        `Group ${openConversationId} does not belong to integration '${integration.id}': ${reason}`,
      );
    },
  );

  router.post('/integrations/:id/groups/refresh', async (req, res) => {
    await authorize(req, dingtalkIntegrationUpdatePermission);
    const integration = await registry.get(req.params.id);
    const client = registry.client(integration);
    const at = new Date().toISOString();
    let refreshed = 0;
    const failed: string[] = [];
    for (const group of await deps.groups.listInstalled(integration.id)) {
      try {
        const info = await client.queryGroup(group.openConversationId);
        await deps.groups.rename(
          integration.id,
          { openConversationId: group.openConversationId },
          info.title,
          at,
        );
        refreshed += 1;
      } catch (e) {
        failed.push(
          `${group.openConversationId}: ${
            (explainPermission(e) as Error).message
          }`,
        );
      }
    }
    res.json({ refreshed, failed });
  });

  return router;
}
