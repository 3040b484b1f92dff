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
  AuthService,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  integrationIdSchema,
  type DingtalkCardActionResponse,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { CARD_ACTION_PATH, DingtalkChannel } from './DingtalkChannel';

const warRoomBodySchema = z
  .object({
    integrationId: integrationIdSchema.optional(),
    openConversationId: z
      .string()
      .regex(/^[A-Za-z0-9+/=_:.-]{1,128}$/)
      .optional(),
    url: z.string().url().max(2048).optional(),
  })
  .strict();

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
export function createCardActionRouter(deps: {
  channel: DingtalkChannel;
  httpAuth: HttpAuthService;
  auth: AuthService;
  logger: LoggerService;
}) {
  const router = Router();
  router.post(
    CARD_ACTION_PATH,
    express.json({ limit: '16kb' }),
    async (req, res) => {
      await deps.httpAuth.credentials(req, { allow: ['service'] });
      const parsed = bodySchema.safeParse(req.body);
      if (!parsed.success)
        throw new InputError(
          `Not a card action: ${parsed.error.issues
            .map(i => i.path.join('.'))
            .join(', ')}`,
        );
      const { outTrackId, action, params, dingtalkUserId, userEntityRef } =
        parsed.data;
      const incidents = deps.channel.actions;
      const incidentId = /^oncall-(.+)-[0-9a-f]{16}$/.exec(outTrackId)?.[1];
      if (!incidents || !incidentId) {
        res.json({
          message: 'This card does not belong to an incident.',
        } satisfies DingtalkCardActionResponse);
        return;
      }
      if (!userEntityRef) {
        await incidents.recordTimeline(incidentId, {
          type: 'channel',
          message: `DingTalk user ${dingtalkUserId} clicked "${action}" but has not linked a Backstage account; nothing changed`,
          data: { channel: 'dingtalk', dingtalkUserId, action },
        });
        res.json({
          message:
            'Link your DingTalk account to Backstage first (open the app from the DingTalk workbench); nothing was changed.',
        });
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
            incident = await incidents.snooze(
              incidentId,
              userEntityRef,
              Math.max(1, Math.min(1440, Number(params.minutes) || 30)),
            );
            done = 'Snoozed';
            break;
          default:
            res.json({ message: `Unknown action "${action}"` });
            return;
        }
        const card = deps.channel.paramsFor(incident);
        res.json({
          message: `${done} as ${userEntityRef}`,
          cardParamMap: {
            status: card.status,
            markdown: card.markdown,
            actions: card.actions,
            acknowledgedBy: card.acknowledgedBy,
            resolvedBy: card.resolvedBy,
          },
        } satisfies DingtalkCardActionResponse);
      } catch (e) {
        // e.g. already acknowledged by someone else: tell the clicker why
        deps.logger.info(
          `DingTalk card action ${action} on ${incidentId} refused: ${e}`,
        );
        res.json({ message: String((e as Error).message) });
      }
    },
  );
  // "Create war room" on an incident page; or, with a group in the body, a
  // war room opened elsewhere (the DingTalk scaffolder template) joins the
  // incident. Called by people, or by a plugin on behalf of one.
  router.post(
    '/dingtalk/incidents/:id/war-room',
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const parsed = warRoomBodySchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new InputError(
          `Invalid war room: ${parsed.error.issues
            .map(i => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      }
      const actor = deps.auth.isPrincipal(credentials, 'user')
        ? credentials.principal.userEntityRef
        : `plugin:${(credentials.principal as { subject: string }).subject}`;
      const { openConversationId } = parsed.data;
      if (!openConversationId) {
        // Opening a group needs an owner in DingTalk: a person.
        if (!deps.auth.isPrincipal(credentials, 'user'))
          throw new InputError(
            'Only a signed-in user can open a war room without naming a group',
          );
        res
          .status(201)
          .json(await deps.channel.createWarRoom(req.params.id, actor));
        return;
      }
      res
        .status(201)
        .json(
          await deps.channel.adoptWarRoom(
            req.params.id,
            { ...parsed.data, openConversationId },
            actor,
          ),
        );
    },
  );
  return router;
}
