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
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
} from '@backstage/plugin-permission-common';
import { formatValidationError } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { JsonObject } from '@backstage/types';
import type express from 'express';
import type { Request } from 'express';
import { z } from 'zod';

/** Parses with zod; a failure is the caller's mistake (400), never a 500. */
export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new InputError(formatValidationError(result.error));
  return result.data;
}

export const pageSchema = z.object({
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

/** What every API router uses to prove the caller and audit mutations. */
export interface ApiContext {
  /** The caller's credentials, once `permission` allowed them. */
  authorize(
    req: Request,
    permission: BasicPermission,
  ): Promise<BackstageCredentials>;
  /** The caller as recorded in `createdBy` and audit entries. */
  who(credentials: BackstageCredentials): string;
  /** Runs `fn` inside an audit event that records success or failure. */
  audited<T>(
    req: Request,
    eventId: string,
    meta: JsonObject,
    fn: () => Promise<T>,
  ): Promise<T>;
}

export function createApiContext(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
}): ApiContext {
  const { httpAuth, permissions, auditor } = deps;
  return {
    async authorize(req, permission) {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const [decision] = await permissions.authorize([{ permission }], {
        credentials,
      });
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `You are not allowed to do this (${permission.name})`,
        );
      }
      return credentials;
    },
    who(c) {
      const p = c.principal as {
        type: string;
        userEntityRef?: string;
        subject?: string;
      };
      return p.type === 'user'
        ? String(p.userEntityRef)
        : `service:${p.subject}`;
    },
    async audited(req, eventId, meta, fn) {
      const event = await auditor.createEvent({
        eventId,
        severityLevel: 'medium',
        request: req,
        meta,
      });
      try {
        const result = await fn();
        await event.success();
        return result;
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
  };
}

/**
 * Aborted when the caller hangs up before the answer (e.g. the on-call
 * engine's notify timeout cancelled its request): the DingTalk calls made
 * for it stop too, instead of delivering after the caller gave up.
 */
export function abortedWithCaller(res: express.Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('caller gone'));
  });
  return controller.signal;
}
