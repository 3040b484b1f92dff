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
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { formatValidationError } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express, { type Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { linkConflict, type LinksStore } from '../database/LinksStore';
import {
  matchesHash,
  type LinkTicket,
  type LinkTicketsStore,
} from '../database/LinkTicketsStore';
import { rejectNulCharacters } from '../lib/nul';
import { H5_SESSION_COOKIE, h5SessionOf } from './h5SessionRouter';
import type { IntegrationRegistry } from './IntegrationRegistry';
import { MOBILE_ANNOTATION } from './People';

const ticketBody = z.object({ ticket: z.string().min(1).max(4096) }).strict();

/**
 * Confirming an account link, signed in to Backstage: `POST /links/preview`
 * says what would be bound to what (and what looks wrong), `POST
 * /links/confirm` binds it. Either works only for a ticket that is unused,
 * younger than five minutes and presented by the browser whose H5 session
 * asked for it (the H5 session cookie): a link URL sent to someone else,
 * replayed or old is refused. Neither account may be linked already.
 */
export function createLinkRouter(deps: {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  catalog: CatalogService;
  registry: IntegrationRegistry;
  links: LinksStore;
  tickets: LinkTicketsStore;
  logger: LoggerService;
}): express.Router {
  const router = Router();
  router.use('/links', express.json({ limit: '16kb' }), rejectNulCharacters);

  async function usableTicket(req: Request): Promise<{
    ticket: string;
    t: LinkTicket;
  }> {
    const parsed = ticketBody.safeParse(req.body);
    if (!parsed.success)
      throw new InputError(formatValidationError(parsed.error));
    const { ticket } = parsed.data;
    const t = await deps.tickets.find(ticket);
    if (!t)
      throw new InputError(
        'The link ticket is invalid or has expired: open the DingTalk app again',
      );
    if (t.usedAt !== undefined)
      throw new InputError(
        'This link ticket was used already: open the DingTalk app again',
      );
    if (t.expiresAt <= Date.now())
      throw new InputError(
        'The link ticket is invalid or has expired: open the DingTalk app again',
      );
    if (!matchesHash(h5SessionOf(req), t.sessionHash))
      throw new NotAllowedError(
        'This link was not opened from your DingTalk app: open the app in DingTalk and follow its link from there, in the same window. If someone sent you this link, do not use it.',
      );
    return { ticket, t };
  }

  async function conflicts(t: LinkTicket, userEntityRef: string) {
    const mine = (
      await deps.links.byUsers(t.integrationId, [userEntityRef])
    ).get(userEntityRef);
    const theirs = await deps.links.byDingtalkUser(
      t.integrationId,
      t.dingtalkUserId,
    );
    return mine ?? theirs;
  }

  router.post('/links/preview', async (req, res) => {
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user'],
    });
    const { t } = await usableTicket(req);
    const integration = await deps.registry.find(t.integrationId);
    if (!integration)
      throw new NotFoundError(`No DingTalk integration '${t.integrationId}'`);
    const userEntityRef = credentials.principal.userEntityRef;
    const entity = await deps.catalog
      .getEntityByRef(userEntityRef, { credentials })
      .catch(() => undefined);
    // The DingTalk profile is read signed in, not from the anonymous H5
    // session: it costs one authenticated call, and only for someone about
    // to link.
    let profile:
      | { name?: string; avatar?: string; mobile?: string; email?: string }
      | undefined;
    const warnings: string[] = [];
    try {
      profile = await deps.registry
        .client(integration)
        .getUser(t.dingtalkUserId);
    } catch (e) {
      warnings.push(
        `DingTalk did not give this account's profile (${
          (e as Error).message
        }), so its mobile and email could not be compared with the catalog`,
      );
    }
    warnings.push(...mismatches(entity, profile));
    const existing = await conflicts(t, userEntityRef);
    res.json({
      integration: {
        id: integration.id,
        name: integration.name,
        corpId: integration.corpId,
      },
      dingtalk: {
        userId: t.dingtalkUserId,
        name: profile?.name ?? t.name,
        avatarUrl: safeImageUrl(profile?.avatar),
      },
      backstage: {
        userEntityRef,
        displayName: (entity?.spec as any)?.profile?.displayName,
      },
      warnings,
      conflict: existing
        ? linkConflict(existing, {
            userEntityRef,
            dingtalkUserId: t.dingtalkUserId,
          }).message
        : undefined,
      expiresAt: new Date(t.expiresAt).toISOString(),
    });
  });

  router.post('/links/confirm', async (req, res) => {
    const credentials = (await deps.httpAuth.credentials(req, {
      allow: ['user'],
    })) as BackstageCredentials<BackstageUserPrincipal>;
    const userEntityRef = credentials.principal.userEntityRef;
    // Refused attempts are audit events too: a phished link shows up.
    const event = await deps.auditor.createEvent({
      eventId: 'link-mutate',
      severityLevel: 'medium',
      request: req,
      meta: { action: 'link', user: userEntityRef },
    });
    try {
      const { ticket, t } = await usableTicket(req);
      await deps.registry.get(t.integrationId);
      const existing = await conflicts(t, userEntityRef);
      if (existing)
        throw linkConflict(existing, {
          userEntityRef,
          dingtalkUserId: t.dingtalkUserId,
        });
      const link = {
        integrationId: t.integrationId,
        userEntityRef,
        dingtalkUserId: t.dingtalkUserId,
        unionId: t.unionId,
        name: t.name,
        linkedAt: new Date().toISOString(),
      };
      await deps.links.link(link, async tx => {
        if (!(await deps.tickets.consume(ticket, tx)))
          throw new InputError(
            'This link ticket was used already or has expired: open the DingTalk app again',
          );
      });
      await event.success({
        meta: {
          integrationId: link.integrationId,
          dingtalkUserId: link.dingtalkUserId,
        },
      });
      res.clearCookie(H5_SESSION_COOKIE, { path: req.baseUrl || '/' });
      res.status(201).json(link);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  return router;
}

/** Where the catalog and DingTalk disagree about who this is. */
function mismatches(
  entity: Entity | undefined,
  profile: { mobile?: string; email?: string } | undefined,
): string[] {
  if (!entity || !profile) return [];
  const out: string[] = [];
  const digits = (m: string) =>
    m.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
  const catalogMobile = entity.metadata.annotations?.[MOBILE_ANNOTATION];
  if (
    catalogMobile &&
    profile.mobile &&
    digits(catalogMobile) !== digits(profile.mobile)
  )
    out.push(
      'The mobile number in the catalog is not the one of this DingTalk account',
    );
  const catalogEmail = (entity.spec as any)?.profile?.email;
  if (
    typeof catalogEmail === 'string' &&
    profile.email &&
    catalogEmail.trim().toLowerCase() !== profile.email.trim().toLowerCase()
  )
    out.push(
      'The email in the catalog is not the one of this DingTalk account',
    );
  return out;
}

/** Only https (or, for the emulator, http) image URLs reach the page. */
function safeImageUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:'
      ? u.toString()
      : undefined;
  } catch {
    return undefined;
  }
}
