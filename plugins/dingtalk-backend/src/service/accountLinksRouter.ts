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
  AuthService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  dingtalkIntegrationReadPermission,
  formatValidationError,
  type DingtalkAccountLink,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { rejectNulCharacters } from '../lib/nul';
import { linkConflict } from '../database/LinksStore';
import { syncLinkOf, type AccountLinks } from './AccountLinks';
import type { IntegrationRegistry } from './IntegrationRegistry';

/** Who may record a sign-in's link: the auth backend, nobody else. */
export const SIGN_IN_LINKERS = ['plugin:auth'];

const signInBody = z
  .object({
    corpId: z.string().min(1).max(64),
    dingtalkUserId: z.string().min(1).max(64),
    unionId: z.string().min(1).max(128).optional(),
    name: z.string().max(255).optional(),
    userEntityRef: z
      .string()
      .min(3)
      .max(255)
      .regex(/^user:[^/\s]+\/[^/\s]+$/, 'must be a full user entity ref'),
  })
  .strict();

function parse<T>(schema: z.ZodType<T, any, any>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new InputError(formatValidationError(parsed.error));
  return parsed.data;
}

/**
 * Account links as people and admins see them (with where each came from),
 * and the link a DingTalk sign-in makes (contract 3 in docs/DESIGN.md).
 */
export function createAccountLinksRouter(deps: {
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  registry: IntegrationRegistry;
  links: AccountLinks;
}): express.Router {
  const { httpAuth, registry, links } = deps;
  const router = Router();
  router.use(
    '/links/sign-in',
    express.json({ limit: '16kb' }),
    rejectNulCharacters,
  );

  router.get('/links/me', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const ref = credentials.principal.userEntityRef;
    const stored = await links.list({ userEntityRef: ref });
    const entity = await deps.catalog
      .getEntityByRef(ref, {
        credentials: await deps.auth.getOwnServiceCredentials(),
      })
      .catch(() => undefined);
    const synced: DingtalkAccountLink[] = [];
    if (entity) {
      for (const i of await registry.list()) {
        if (stored.some(l => l.integrationId === i.id)) continue;
        const link = syncLinkOf(entity, i);
        if (link) synced.push(link);
      }
    }
    res.json([...stored, ...synced]);
  });

  // The linked-users view: every catalog user, linked or not, and how.
  router.get('/links', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await deps.permissions.authorize(
      [{ permission: dingtalkIntegrationReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW)
      throw new NotAllowedError(
        `You are not allowed to do this (${dingtalkIntegrationReadPermission.name})`,
      );
    const q = parse(
      z.object({
        integrationId: z.string().min(1).max(64),
        filter: z.enum(['all', 'linked', 'unlinked']).default('all'),
        q: z.string().max(200).optional(),
      }),
      req.query,
    );
    const integration = await registry.get(q.integrationId);
    const { items } = await deps.catalog.getEntities(
      {
        filter: { kind: 'User' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
          'spec.profile.displayName',
        ],
      },
      { credentials },
    );
    const stored = new Map(
      (await links.list({ integrationId: q.integrationId })).map(l => [
        l.userEntityRef,
        l,
      ]),
    );
    const needle = q.q?.toLowerCase();
    const withLinks = (items as Entity[]).map(e => {
      const ref = stringifyEntityRef(e);
      return { e, ref, link: stored.get(ref) ?? syncLinkOf(e, integration) };
    });
    // Who claims each DingTalk id (stored links and synced entities): more
    // than one is a conflict, and none of them is used until it is fixed.
    const claimants = new Map<string, Set<string>>();
    const claim = (id: string, ref: string) =>
      claimants.set(id, (claimants.get(id) ?? new Set()).add(ref));
    for (const l of stored.values()) claim(l.dingtalkUserId, l.userEntityRef);
    for (const { e, ref } of withLinks) {
      const synced = syncLinkOf(e, integration);
      if (synced) claim(synced.dingtalkUserId, ref);
    }
    const rows = withLinks
      .map(({ e, ref, link }) => {
        const others = link
          ? [...(claimants.get(link.dingtalkUserId) ?? [])].filter(
              r => r !== ref,
            )
          : [];
        return {
          userEntityRef: ref,
          displayName: (e.spec as any)?.profile?.displayName as
            | string
            | undefined,
          dingtalkUserId: link?.dingtalkUserId,
          linkedAt: link?.linkedAt || undefined,
          source: link?.source,
          ...(others.length ? { conflictsWith: others.sort() } : {}),
        };
      })
      .filter(
        r =>
          q.filter === 'all' || (q.filter === 'linked') === !!r.dingtalkUserId,
      )
      .filter(
        r =>
          !needle ||
          r.userEntityRef.toLowerCase().includes(needle) ||
          r.displayName?.toLowerCase().includes(needle),
      )
      .sort((a, b) => a.userEntityRef.localeCompare(b.userEntityRef));
    res.json({ items: rows });
  });

  /**
   * After a DingTalk sign-in matched the person by email or mobile, the auth
   * backend records the link here, so the first sign-in is the link step.
   * Nobody else may call it: it makes a DingTalk account act as a Backstage
   * user from cards.
   */
  router.post('/links/sign-in', async (req, res) => {
    // Every attempt is audited, refused callers too.
    const event = await deps.auditor.createEvent({
      eventId: 'link-mutate',
      severityLevel: 'medium',
      request: req,
      meta: { action: 'sign-in' },
    });
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['service'],
      });
      const caller = credentials.principal.subject;
      if (!SIGN_IN_LINKERS.includes(caller))
        throw new NotAllowedError(
          `Only ${SIGN_IN_LINKERS.join(', ')} may record a sign-in's link`,
        );
      const body = parse(signInBody, req.body);
      const integrations = (await registry.list()).filter(
        i => i.corpId === body.corpId,
      );
      if (integrations.length === 0)
        throw new NotFoundError(
          `No DingTalk integration for organisation ${body.corpId}`,
        );
      // Every integration of the organisation is checked before anything is
      // written, and the new links are written in one transaction: a
      // conflict in one leaves none half-made.
      const results: DingtalkAccountLink[] = [];
      const toMake: DingtalkAccountLink[] = [];
      for (const i of integrations) {
        const mine = (await links.byUsers(i.id, [body.userEntityRef])).get(
          body.userEntityRef,
        );
        const claimants =
          (await links.claimants(i.id, i.corpId, [body.dingtalkUserId])).get(
            body.dingtalkUserId,
          ) ?? [];
        const other = claimants.find(r => r !== body.userEntityRef);
        if (other)
          throw new ConflictError(
            `This DingTalk account is already claimed by ${other} in integration '${i.id}': that link must be removed first`,
          );
        if (mine) {
          // The same pair again (every later sign-in) changes nothing.
          if (mine.dingtalkUserId === body.dingtalkUserId) {
            results.push(mine);
            continue;
          }
          throw linkConflict(mine, body);
        }
        toMake.push({
          integrationId: i.id,
          userEntityRef: body.userEntityRef,
          dingtalkUserId: body.dingtalkUserId,
          unionId: body.unionId,
          name: body.name,
          linkedAt: new Date().toISOString(),
          source: 'sign-in',
        });
      }
      await links.linkAll(toMake);
      results.push(...toMake);
      await event.success({
        meta: {
          caller,
          user: body.userEntityRef,
          dingtalkUserId: body.dingtalkUserId,
          integrations: results.map(r => `${r.integrationId}:${r.source}`),
        },
      });
      res.json({ links: results });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  return router;
}
