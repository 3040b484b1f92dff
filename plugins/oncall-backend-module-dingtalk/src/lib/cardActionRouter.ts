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
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  integrationIdSchema,
  type DingtalkCardActionResponse,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { oncallIncidentUpdatePermission } from '@dingtalk-oncall/backstage-plugin-oncall-common';
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

/**
 * The only caller of the card-action route: the dingtalk backend plugin,
 * which verifies DingTalk's signature and resolves the clicker's link. Any
 * other plugin's service token could otherwise name any `userEntityRef`.
 */
export const DINGTALK_PLUGIN_SUBJECT = 'plugin:dingtalk';

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
 * credentials. The action runs as the clicker's linked Backstage user, if the
 * on-call host allows that person to (the bound incident actions decide and
 * record a refusal); an unlinked clicker changes nothing and is told to link
 * first. The JSON `message` is what DingTalk shows the clicker.
 */
export function createCardActionRouter(deps: {
  channel: DingtalkChannel;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  logger: LoggerService;
}) {
  const router = Router();
  router.post(
    CARD_ACTION_PATH,
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const caller = await deps.httpAuth.credentials(req, {
        allow: ['service'],
      });
      if (caller.principal.subject !== DINGTALK_PLUGIN_SUBJECT) {
        throw new NotAllowedError(
          `Card actions are accepted from ${DINGTALK_PLUGIN_SUBJECT} only`,
        );
      }
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
          message: `${done} as ${userEntityRef} via DingTalk`,
          cardParamMap: {
            status: card.status,
            markdown: card.markdown,
            actions: card.actions,
            acknowledgedBy: card.acknowledgedBy,
            resolvedBy: card.resolvedBy,
          },
        } satisfies DingtalkCardActionResponse);
      } catch (e) {
        // e.g. already acknowledged by someone else, or the person may not
        // act on this incident: tell the clicker why
        deps.logger.info(
          `DingTalk card action ${action} on ${incidentId} refused: ${e}`,
        );
        res.json({ message: String((e as Error).message) });
      }
    },
  );
  // "Create war room" on an incident page; or, with a group in the body, a
  // war room opened elsewhere (the DingTalk scaffolder template) joins the
  // incident. Called by people, or by a plugin on behalf of one (its token
  // then carries the person's identity): a war room is always someone's, and
  // that person needs oncall.incident.update on the incident.
  router.post(
    '/dingtalk/incidents/:id/war-room',
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      if (!deps.auth.isPrincipal(credentials, 'user')) {
        throw new NotAllowedError(
          `A war room is opened or adopted for a person: call with the user's credentials (auth.getPluginRequestToken({ onBehalfOf })), not as ${
            (credentials.principal as { subject?: string }).subject
          }`,
        );
      }
      const parsed = warRoomBodySchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new InputError(
          `Invalid war room: ${parsed.error.issues
            .map(i => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      }
      const [decision] = await deps.permissions.authorize(
        [
          {
            permission: oncallIncidentUpdatePermission,
            resourceRef: req.params.id,
          },
        ],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `Not allowed: ${oncallIncidentUpdatePermission.name} on incident ${req.params.id}`,
        );
      }
      const actor = credentials.principal.userEntityRef;
      const { openConversationId } = parsed.data;
      if (!openConversationId) {
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
