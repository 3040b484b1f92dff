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

import { dingtalkMessageSendPermission } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import type { People } from '../People';
import { parse, type ApiContext } from './apiContext';
import {
  resolveSchema,
  warRoomMessageSchema,
  warRoomSchema,
} from './messageSchemas';

/** War rooms (scene groups from the integration's template): create, post into, invite to. */
export function createWarRoomsRouter(deps: {
  api: ApiContext;
  registry: IntegrationRegistry;
  people: People;
}): express.Router {
  const { authorize, audited } = deps.api;
  const router = Router();

  const { registry } = deps;

  router.post('/warrooms', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(warRoomSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    const room = await audited(
      req,
      'warroom-create',
      {
        integrationId: integration.id,
        title: body.title,
        reference: body.reference,
      },
      () => deps.people.createWarRoom(integration, body),
    );
    res.status(201).json(room);
  });

  // The template's group bot posts into a war room that already exists, e.g.
  // the incident card once an incident plugin adopts a group made by a template.
  router.post('/warrooms/:openConversationId/messages', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(warRoomMessageSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    const { openConversationId } = req.params;
    const cardOutTrackId = await audited(
      req,
      'warroom-post',
      {
        integrationId: integration.id,
        openConversationId,
        reference: body.reference,
      },
      () => deps.people.postToWarRoom(integration, openConversationId, body),
    );
    res.status(201).json({ cardOutTrackId });
  });

  router.post('/warrooms/:openConversationId/members', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(resolveSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    res.json(
      await deps.people.invite(
        integration,
        req.params.openConversationId,
        body,
      ),
    );
  });

  return router;
}
