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
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  dingtalkMessageSendPermission,
  formatValidationError,
  integrationIdSchema,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { rejectNulCharacters } from '../../lib/nul';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import type { RobotMessages } from './RobotMessages';
import type { RobotReplies } from './RobotReplies';
import {
  ROBOT_SIGN_HEADER,
  ROBOT_TIMESTAMP_HEADER,
  robotSignatureProblem,
} from './robotSignature';

const conversationId = z.string().regex(/^[A-Za-z0-9+/=_:.$-]{1,256}$/);
const replySchema = z
  .object({
    integrationId: integrationIdSchema,
    robot: z.enum(['app', 'war-room']),
    conversation: z.discriminatedUnion('type', [
      z.object({
        type: z.literal('group'),
        openConversationId: conversationId,
        title: z.string().max(256).optional(),
      }),
      z.object({
        type: z.literal('direct'),
        dingtalkUserId: z.string().min(1).max(128),
      }),
    ]),
    message: z.discriminatedUnion('type', [
      z.object({
        type: z.literal('text'),
        content: z.string().min(1).max(5000),
      }),
      z.object({
        type: z.literal('markdown'),
        title: z.string().min(1).max(200),
        text: z.string().min(1).max(5000),
      }),
    ]),
    reference: z.string().max(255).optional(),
  })
  .strict();

/**
 * Robot messages: DingTalk's HTTP callback (not authenticated by Backstage;
 * DingTalk's `timestamp`/`sign` headers prove it, keyed with the app's
 * Client Secret), and the reply route other plugins call through
 * `DingtalkNotifierService.reply` (Backstage credentials and
 * `dingtalk.message.send`).
 */
export function createRobotRouter(deps: {
  registry: IntegrationRegistry;
  messages: RobotMessages;
  replies: RobotReplies;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  now?: () => number;
}): express.Router {
  const router = Router();
  const now = deps.now ?? Date.now;

  router.post(
    '/integrations/:id/robot-messages',
    express.json({ limit: '64kb' }),
    rejectNulCharacters,
    async (req, res) => {
      let integration = await deps.registry.findForCallback(req.params.id);
      if (!integration)
        throw new NotFoundError(
          `No DingTalk integration with id '${req.params.id}'`,
        );
      const headers = {
        timestamp: req.get(ROBOT_TIMESTAMP_HEADER),
        sign: req.get(ROBOT_SIGN_HEADER),
      };
      let problem = robotSignatureProblem(
        integration.clientSecret,
        headers,
        now(),
      );
      if (problem === 'the sign does not match') {
        // The Client Secret may have just changed on another replica.
        const fresh = await deps.registry.findForCallback(req.params.id, {
          fresh: true,
        });
        if (fresh && fresh.updatedAt !== integration.updatedAt) {
          integration = fresh;
          problem = robotSignatureProblem(fresh.clientSecret, headers, now());
        }
      }
      // Before anything is parsed or published: only DingTalk knows the secret.
      if (problem) {
        throw new AuthenticationError(`Refused robot message: ${problem}`);
      }
      const result = await deps.messages.receive(integration, req.body);
      deps.logger.debug?.(
        `DingTalk robot message for ${integration.id}${
          result.duplicate ? ' (duplicate)' : ''
        }`,
      );
      // Replies go through the robot send APIs, not this answer.
      res.json({});
    },
  );

  router.post(
    '/notify/robot-reply',
    express.json({ limit: '64kb' }),
    rejectNulCharacters,
    async (req, res) => {
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const [decision] = await deps.permissions.authorize(
        [{ permission: dingtalkMessageSendPermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `You are not allowed to do this (${dingtalkMessageSendPermission.name})`,
        );
      }
      const parsed = replySchema.safeParse(req.body);
      if (!parsed.success)
        throw new InputError(formatValidationError(parsed.error));
      const { integrationId, ...request } = parsed.data;
      const integration = await deps.registry.resolve(integrationId);
      res.json({ record: await deps.replies.reply(integration, request) });
    },
  );
  return router;
}
