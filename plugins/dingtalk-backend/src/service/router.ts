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
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
} from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  DINGTALK_EDITIONS,
  dingtalkIntegrationCreatePermission,
  dingtalkIntegrationDeletePermission,
  dingtalkIntegrationReadPermission,
  dingtalkIntegrationUpdatePermission,
  dingtalkLinkManagePermission,
  dingtalkMessageSendPermission,
  dingtalkRecordsReadPermission,
  formatValidationError,
  integrationCreateSchema,
  integrationUpdateSchema,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { JsonObject } from '@backstage/types';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { GroupsStore } from '../database/GroupsStore';
import type { LinksStore } from '../database/LinksStore';
import type { RecordsStore } from '../database/RecordsStore';
import type { SecretBox } from '../lib/SecretBox';
import { rejectNulCharacters } from '../lib/nul';
import type { IntegrationRegistry } from './IntegrationRegistry';
import type { Messenger } from './Messenger';
import { explainPermission, type People } from './People';
import type { UsageService } from './UsageService';

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new InputError(formatValidationError(result.error));
  return result.data;
}

const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), content: z.string().min(1).max(20_000) }),
  z.object({
    type: z.literal('markdown'),
    title: z.string().min(1).max(200),
    text: z.string().min(1).max(20_000),
  }),
  z.object({
    type: z.literal('card'),
    outTrackId: z
      .string()
      .regex(
        /^[A-Za-z0-9._:-]{1,128}$/,
        'outTrackId: 1-128 letters, digits, . _ : -',
      ),
    title: z.string().min(1).max(200),
    markdown: z.string().max(20_000),
    cardParamMap: z.record(z.string().max(20_000)).optional(),
    actions: z
      .array(
        z.object({
          id: z.string().max(64),
          label: z.string().max(64),
          params: z.record(z.string()).optional(),
          url: z.string().url().optional(),
        }),
      )
      .max(10)
      .optional(),
    callback: z
      .object({
        pluginId: z.string().regex(/^[a-z0-9-]+$/),
        path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/),
      })
      .optional(),
    atUserIds: z.array(z.string()).max(100).optional(),
  }),
]);

const refList = z.array(z.string().min(1).max(255)).max(1000);
const mobileList = z
  .array(z.string().regex(/^\+?[0-9-]{5,20}$/, 'mobile numbers are digits'))
  .max(1000);
const integrationIdOpt = z.string().max(64).optional();

const sendSchema = z
  .object({
    integrationId: integrationIdOpt,
    reference: z.string().max(255).optional(),
    users: refList.optional(),
    groups: refList.optional(),
    message: messageSchema,
  })
  .strict();
const cardUpdateSchema = z
  .object({
    integrationId: integrationIdOpt,
    outTrackId: z.string().min(1).max(128),
    cardParamMap: z.record(z.string().max(20_000)),
  })
  .strict();
const resolveSchema = z
  .object({
    integrationId: integrationIdOpt,
    userEntityRefs: refList.optional(),
    mobiles: mobileList.optional(),
  })
  .strict();
const warRoomSchema = z
  .object({
    integrationId: integrationIdOpt,
    title: z.string().min(1).max(200),
    ownerUserEntityRef: z.string().max(255).optional(),
    ownerMobile: z
      .string()
      .regex(/^\+?[0-9-]{5,20}$/)
      .optional(),
    members: z
      .object({
        userEntityRefs: refList.optional(),
        mobiles: mobileList.optional(),
      })
      .default({}),
    uuid: z.string().min(1).max(128),
    reference: z.string().max(255).optional(),
    message: messageSchema.optional(),
  })
  .strict();
const warRoomMessageSchema = z
  .object({
    integrationId: integrationIdOpt,
    reference: z.string().max(255).optional(),
    message: messageSchema,
  })
  .strict();
const pageSchema = z.object({
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

/** The authenticated API: integrations, groups, records, usage, links, sending. */
export async function createApiRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  catalog: CatalogService;
  registry: IntegrationRegistry;
  groups: GroupsStore;
  records: RecordsStore;
  links: LinksStore;
  messenger: Messenger;
  people: People;
  usage: UsageService;
  box: SecretBox;
  onIntegrationChanged: (id: string) => void;
}): Promise<express.Router> {
  const { httpAuth, permissions, auditor, registry } = deps;
  const router = Router();
  router.use(express.json({ limit: '256kb' }), rejectNulCharacters);

  async function authorize(
    req: Request,
    permission: BasicPermission,
  ): Promise<BackstageCredentials> {
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
  }
  const who = (c: BackstageCredentials): string => {
    const p = c.principal as {
      type: string;
      userEntityRef?: string;
      subject?: string;
    };
    return p.type === 'user' ? String(p.userEntityRef) : `service:${p.subject}`;
  };

  async function audited<T>(
    req: Request,
    eventId: string,
    meta: JsonObject,
    fn: () => Promise<T>,
  ): Promise<T> {
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
  }

  // ---- integrations --------------------------------------------------------

  router.get('/integrations', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    res.json((await registry.list()).map(i => registry.toPublic(i)));
  });

  router.post('/integrations', async (req, res) => {
    const credentials = await authorize(
      req,
      dingtalkIntegrationCreatePermission,
    );
    const input = parse(integrationCreateSchema, req.body);
    const created = await audited(
      req,
      'integration-mutate',
      { action: 'create', name: input.name },
      () => registry.create(input, who(credentials)),
    );
    deps.onIntegrationChanged(created.id);
    res.status(201).json(registry.toPublic(created));
  });

  router.get('/integrations/:id', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    res.json(registry.toPublic(await registry.get(req.params.id)));
  });

  router.put('/integrations/:id', async (req, res) => {
    await authorize(req, dingtalkIntegrationUpdatePermission);
    const patch = parse(integrationUpdateSchema, req.body);
    const updated = await audited(
      req,
      'integration-mutate',
      {
        action: 'update',
        id: req.params.id,
        fields: Object.keys(patch).join(','),
      },
      () => registry.update(req.params.id, patch),
    );
    deps.onIntegrationChanged(updated.id);
    res.json(registry.toPublic(updated));
  });

  router.delete('/integrations/:id', async (req, res) => {
    await authorize(req, dingtalkIntegrationDeletePermission);
    await audited(
      req,
      'integration-mutate',
      { action: 'delete', id: req.params.id },
      () => registry.delete(req.params.id),
    );
    deps.onIntegrationChanged(req.params.id);
    res.status(204).end();
  });

  router.post('/integrations/:id/test', async (req, res) => {
    await authorize(req, dingtalkIntegrationUpdatePermission);
    const integration = await registry.get(req.params.id);
    try {
      await registry.probeClient(integration).fetchAccessToken();
      res.json({
        ok: true,
        message: `DingTalk issued an access token for Client ID ${integration.clientId}`,
      });
    } catch (e) {
      res.json({
        ok: false,
        message: `DingTalk refused the credentials: ${(e as Error).message}`,
      });
    }
  });

  // ---- groups ----------------------------------------------------------------

  router.get('/integrations/:id/groups', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    const integration = await registry.get(req.params.id);
    const page = parse(
      pageSchema.extend({
        includeUninstalled: z.enum(['true', 'false']).optional(),
      }),
      req.query,
    );
    const { items, total } = await deps.groups.search(integration.id, {
      q: page.q?.trim() || undefined,
      limit: page.limit,
      offset: page.cursor,
      includeUninstalled: page.includeUninstalled === 'true',
    });
    const next = page.cursor + items.length;
    res.json({
      items,
      total,
      nextCursor: next < total ? String(next) : undefined,
    });
  });

  // Whether a group belongs to this integration: the app is installed there
  // (a known group), or it is a scene group made from the integration's war
  // room template. Callers check this before posting into a group someone
  // named, so a card cannot be sent to a group of the caller's choosing.
  router.get(
    '/integrations/:id/groups/:openConversationId',
    async (req, res) => {
      await authorize(req, dingtalkIntegrationReadPermission);
      const integration = await registry.get(req.params.id);
      const { openConversationId } = parse(
        z.object({
          openConversationId: z.string().regex(/^[A-Za-z0-9+/=_:.-]{1,128}$/),
        }),
        req.params,
      );
      const known = await deps.groups.get(integration.id, openConversationId);
      if (known?.installed) {
        res.json({ openConversationId, title: known.title, kind: 'group' });
        return;
      }
      const templateId = integration.warRoom.templateId;
      let reason = 'the app is not installed there';
      if (templateId) {
        try {
          const info = await registry
            .client(integration)
            .getSceneGroup(openConversationId);
          if (info.template_id === templateId) {
            res.json({
              openConversationId,
              title: String(info.title ?? ''),
              kind: 'war-room',
            });
            return;
          }
          reason += ` and it is not a war room of the template ${templateId}`;
        } catch (e) {
          reason += ` and DingTalk does not know it as a war room of this app (${
            (e as Error).message
          })`;
        }
      }
      throw new NotFoundError(
        `Group ${openConversationId} does not belong to integration '${integration.id}': ${reason}`,
      );
    },
  );

  router.post('/integrations/:id/groups/refresh', async (req, res) => {
    await authorize(req, dingtalkIntegrationUpdatePermission);
    const integration = await registry.get(req.params.id);
    const client = registry.client(integration);
    const at = new Date().toISOString();
    let refreshed = 0;
    const failed: string[] = [];
    for (const group of await deps.groups.listInstalled(integration.id)) {
      try {
        const info = await client.queryGroup(group.openConversationId);
        await deps.groups.rename(
          integration.id,
          { openConversationId: group.openConversationId },
          info.title,
          at,
        );
        refreshed += 1;
      } catch (e) {
        failed.push(
          `${group.openConversationId}: ${
            (explainPermission(e) as Error).message
          }`,
        );
      }
    }
    res.json({ refreshed, failed });
  });

  // ---- usage and records -------------------------------------------------

  router.get('/integrations/:id/usage', async (req, res) => {
    await authorize(req, dingtalkIntegrationReadPermission);
    res.json(await deps.usage.usage(await registry.get(req.params.id)));
  });

  router.get('/records', async (req, res) => {
    await authorize(req, dingtalkRecordsReadPermission);
    const q = parse(
      pageSchema.extend({
        integrationId: z.string().max(64).optional(),
        outcome: z
          .enum([
            'sent',
            'updated',
            'app not linked',
            'flow controlled',
            'quota exhausted',
            'failed',
            'aggregated',
          ])
          .optional(),
        user: z.string().max(255).optional(),
        reference: z.string().max(255).optional(),
      }),
      req.query,
    );
    const { items, total } = await deps.records.list({
      integrationId: q.integrationId,
      outcome: q.outcome,
      recipient: q.user,
      reference: q.reference,
      limit: q.limit,
      offset: q.cursor,
    });
    const next = q.cursor + items.length;
    res.json({
      items,
      total,
      nextCursor: next < total ? String(next) : undefined,
    });
  });

  // ---- account links -------------------------------------------------------

  router.get('/links/me', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(
      await deps.links.list({
        userEntityRef: credentials.principal.userEntityRef,
      }),
    );
  });

  // POST /links/preview and /links/confirm: linkRouter.ts.

  router.get('/links', async (req, res) => {
    const credentials = await authorize(req, dingtalkIntegrationReadPermission);
    const q = parse(
      z.object({
        integrationId: z.string().min(1).max(64),
        filter: z.enum(['all', 'linked', 'unlinked']).default('all'),
        q: z.string().max(200).optional(),
      }),
      req.query,
    );
    await registry.get(q.integrationId);
    const { items } = await deps.catalog.getEntities(
      {
        filter: { kind: 'User' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'spec.profile.displayName',
        ],
      },
      { credentials },
    );
    const links = new Map(
      (await deps.links.list({ integrationId: q.integrationId })).map(l => [
        l.userEntityRef,
        l,
      ]),
    );
    const needle = q.q?.toLowerCase();
    const rows = (items as Entity[])
      .map(e => {
        const ref = stringifyEntityRef(e);
        const link = links.get(ref);
        return {
          userEntityRef: ref,
          displayName: (e.spec as any)?.profile?.displayName as
            | string
            | undefined,
          dingtalkUserId: link?.dingtalkUserId,
          linkedAt: link?.linkedAt,
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

  router.delete('/links/:integrationId/:userEntityRef', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const target = req.params.userEntityRef;
    const self =
      credentials.principal.type === 'user' &&
      (credentials.principal as any).userEntityRef === target;
    if (!self) await authorize(req, dingtalkLinkManagePermission);
    const removed = await audited(
      req,
      'link-mutate',
      {
        action: 'unlink',
        integrationId: req.params.integrationId,
        user: target,
      },
      () => deps.links.unlink(req.params.integrationId, target),
    );
    if (!removed)
      throw new NotFoundError(
        `${target} has no DingTalk link in integration '${req.params.integrationId}'`,
      );
    res.status(204).end();
  });

  router.post(
    '/integrations/:id/links/link-all-by-mobile',
    async (req, res) => {
      await authorize(req, dingtalkLinkManagePermission);
      const integration = await registry.get(req.params.id);
      const result = await audited(
        req,
        'link-mutate',
        { action: 'link-all-by-mobile', integrationId: integration.id },
        () => deps.people.linkAllByMobile(integration),
      );
      res.json(result);
    },
  );

  // ---- sending (for other plugins, through dingtalkNotifierServiceRef) -----

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
    );
    res.status(204).end();
  });

  router.post('/notify/resolve-users', async (req, res) => {
    await authorize(req, dingtalkMessageSendPermission);
    const body = parse(resolveSchema, req.body);
    const integration = await registry.resolve(body.integrationId);
    res.json({ users: await deps.people.resolve(integration, body) });
  });

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

  router.get('/editions', async (_req, res) => {
    res.json(DINGTALK_EDITIONS);
  });

  return router;
}
