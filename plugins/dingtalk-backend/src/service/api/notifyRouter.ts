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
import type { Messenger } from '../Messenger';
import type { People } from '../People';
import { abortedWithCaller, parse, type ApiContext } from './apiContext';
import { cardUpdateSchema, resolveSchema, sendSchema } from './messageSchemas';

/** Sending for other plugins (through dingtalkNotifierServiceRef): messages, card updates, user lookup. */
export function createNotifyRouter(deps: {
  api: ApiContext;
  registry: IntegrationRegistry;
  messenger: Messenger;
  people: People;
}): express.Router {
  const { authorize } = deps.api;
  const router = Router();

  const { registry } = deps;

  router.post('/notify/send', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(sendSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    const results = await deps.messenger.send({
      integration,
      reference: body.reference,
      users: body.users,
      groups: body.groups,
      message: body.message,
      signal: abortedWithCaller(res),
    });
    res.json({ results });
  });

  router.post('/notify/card-update', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(cardUpdateSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    await deps.messenger.updateCard(
      integration,
      body.outTrackId,
      body.cardParamMap,
      abortedWithCaller(res),
    );
    res.status(204).end();
  });

  router.post('/notify/resolve-users', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(resolveSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    res.json({ users: await deps.people.resolve(integration, body) });
  });

  return router;
}
