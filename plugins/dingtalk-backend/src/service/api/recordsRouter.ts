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
  dingtalkIntegrationReadPermission,
  dingtalkRecordsReadPermission,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { RecordsStore } from '../../database/RecordsStore';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import type { UsageService } from '../UsageService';
import { pageSchema, parse, type ApiContext } from './apiContext';

/** What was sent (delivery records) and how much of the quota it used. */
export function createRecordsRouter(deps: {
  api: ApiContext;
  registry: IntegrationRegistry;
  records: RecordsStore;
  usage: UsageService;
}): express.Router {
  const { authorize } = deps.api;
  const router = Router();

  const { registry } = deps;

  router.get('/integrations/:id/usage', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    res.json(await deps.usage.usage(await registry.get(req.params.id)));
  });

  router.get('/records', async (req, res) => {
    await authorize(req, dingtalkRecordsReadPermission);
    const q = parse(
      pageSchema.extend({
        integrationId: z.string().max(64).optional(),
        outcome: z
          .enum([
            'sent',
            'updated',
            'app not linked',
            'flow controlled',
            'quota exhausted',
            'failed',
            'aggregated',
          ])
          .optional(),
        user: z.string().max(255).optional(),
        reference: z.string().max(255).optional(),
      }),
      req.query,
    );
    const { items, total } = await deps.records.list({
      integrationId: q.integrationId,
      outcome: q.outcome,
      recipient: q.user,
      reference: q.reference,
      limit: q.limit,
      offset: q.cursor,
    });
    const next = q.cursor + items.length;
    res.json({
      items,
      total,
      nextCursor: next < total ? String(next) : undefined,
    });
  });

  return router;
}
