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
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  formatZodError,
  oncallIncidentUpdatePermission,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type express from 'express';
import { z } from 'zod';
import type { OncallStores } from '../../database';
import type { ChannelRegistry } from '../ChannelRegistry';
import type { IncidentService } from '../IncidentService';
import type { CatalogRefs } from '../CatalogRefs';
import type { Redact } from '../redaction';

/** What the route files under `routes/` get from the plugin. */
export interface RouteContext {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  stores: OncallStores;
  incidents: IncidentService;
  channels: ChannelRegistry;
  clock: () => number;
  redact: Redact;
  /** Checks that refs name catalog entities; absent: not checked. */
  catalogRefs?: CatalogRefs;
}

export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new InputError(formatZodError(result.error, `Invalid ${what}`));
  }
  return result.data;
}

/** Who did it: a user entity ref (lower case), or the calling service. */
export function actorOf(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (p.type === 'user' && p.userEntityRef) {
    return p.userEntityRef.toLocaleLowerCase('en-US');
  }
  return p.subject ? p.subject : 'unknown';
}

export async function authorize(
  ctx: RouteContext,
  req: express.Request,
  permission: BasicPermission,
  allow: Array<'user' | 'service'> = ['user', 'service'],
): Promise<BackstageCredentials> {
  const credentials = await ctx.httpAuth.credentials(req, { allow });
  const [decision] = await ctx.permissions.authorize([{ permission }], {
    credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(`Not allowed: ${permission.name}`);
  }
  return credentials;
}

/** `oncall.incident.update` on one incident: the policy may decide by rule. */
export async function authorizeIncident(
  ctx: RouteContext,
  req: express.Request,
  incidentId: string,
  allow: Array<'user' | 'service'> = ['user', 'service'],
): Promise<BackstageCredentials> {
  const credentials = await ctx.httpAuth.credentials(req, { allow });
  const [decision] = await ctx.permissions.authorize(
    [{ permission: oncallIncidentUpdatePermission, resourceRef: incidentId }],
    { credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `Not allowed: ${oncallIncidentUpdatePermission.name} on incident ${incidentId}`,
    );
  }
  return credentials;
}

/** Runs a mutation inside an auditor event. */
export async function audited<T>(
  ctx: RouteContext,
  req: express.Request,
  eventId: string,
  meta: Record<string, string | number | boolean>,
  fn: () => Promise<T>,
): Promise<T> {
  const event = await ctx.auditor.createEvent({
    eventId,
    request: req,
    severityLevel: 'medium',
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
}
