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

import type { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { DingtalkCardActionResponse } from '@internal/plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { CARD_ACTION_PATH, DingtalkChannel } from './DingtalkChannel';

const bodySchema = z.object({
  integrationId: z.string(),
  outTrackId: z.string(),
  action: z.string(),
  params: z.record(z.string()).default({}),
  dingtalkUserId: z.string(),
  userEntityRef: z.string().nullable(),
});

/**
 * Card button clicks, forwarded by the dingtalk backend with its service
 * credentials. The action runs as the clicker's linked Backstage user; an
 * unlinked clicker changes nothing and is told to link first.
 */
export function createCardActionRouter(deps: { channel: DingtalkChannel; httpAuth: HttpAuthService; logger: LoggerService }) {
  const router = Router();
  router.post(CARD_ACTION_PATH, express.json({ limit: '16kb' }), async (req, res) => {
    await deps.httpAuth.credentials(req, { allow: ['service'] });
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) throw new InputError(`Not a card action: ${parsed.error.issues.map(i => i.path.join('.')).join(', ')}`);
    const { outTrackId, action, params, dingtalkUserId, userEntityRef } = parsed.data;
    const incidents = deps.channel.actions;
    const incidentId = /^oncall-(.+)-[0-9a-f]{16}$/.exec(outTrackId)?.[1];
    if (!incidents || !incidentId) {
      res.json({ message: 'This card does not belong to an incident.' } satisfies DingtalkCardActionResponse);
      return;
    }
    if (!userEntityRef) {
      await incidents.recordTimeline(incidentId, {
        type: 'channel',
        message: `DingTalk user ${dingtalkUserId} clicked "${action}" but has not linked a Backstage account; nothing changed`,
        data: { channel: 'dingtalk', dingtalkUserId, action },
      });
      res.json({ message: 'Link your DingTalk account to Backstage first (open the app from the DingTalk workbench); nothing was changed.' });
      return;
    }
    try {
      let incident;
      let done: string;
      switch (action) {
        case 'acknowledge':
          incident = await incidents.acknowledge(incidentId, userEntityRef);
          done = 'Acknowledged';
          break;
        case 'resolve':
          incident = await incidents.resolve(incidentId, userEntityRef);
          done = 'Resolved';
          break;
        case 'snooze':
          incident = await incidents.snooze(incidentId, userEntityRef, Math.max(1, Math.min(1440, Number(params.minutes) || 30)));
          done = 'Snoozed';
          break;
        default:
          res.json({ message: `Unknown action "${action}"` });
          return;
      }
      const card = deps.channel.paramsFor(incident);
      res.json({
        message: `${done} as ${userEntityRef}`,
        cardParamMap: { status: card.status, markdown: card.markdown, actions: card.actions, acknowledgedBy: card.acknowledgedBy, resolvedBy: card.resolvedBy },
      } satisfies DingtalkCardActionResponse);
    } catch (e) {
      // e.g. already acknowledged by someone else: tell the clicker why
      deps.logger.info(`DingTalk card action ${action} on ${incidentId} refused: ${e}`);
      res.json({ message: String((e as Error).message) });
    }
  });
  // "Create war room" on an incident page, for signed-in people.
  router.post('/dingtalk/incidents/:id/war-room', async (req, res) => {
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user'] });
    const room = await deps.channel.createWarRoom(req.params.id, credentials.principal.userEntityRef);
    res.status(201).json(room);
  });
  return router;
}
