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
import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  channelTargetsQuerySchema,
  incidentCommentSchema,
  incidentCreateSchema,
  incidentListQuerySchema,
  incidentNoteSchema,
  incidentReassignSchema,
  incidentSnoozeSchema,
  oncallIncidentCreatePermission,
  oncallIncidentReadPermission,
  oncallIncidentUpdatePermission,
  oncallRuleReadPermission,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import express from 'express';
import Router from 'express-promise-router';
import { OncallStores } from '../database';
import { Clock } from '../engine/EscalationEngine';
import { parseAlertPayload } from './alerts';
import { ChannelRegistry } from './ChannelRegistry';
import { IncidentService } from './IncidentService';
import { normalizeRef } from './refs';
import { rejectNulCharacters } from './nul';
import { Redact, redactWebhookTokenInUrl } from './redaction';
import { CatalogRefs } from './CatalogRefs';
import { actorOf, parse, RouteContext } from './routes/helpers';
import { createIncidentExtrasRouter } from './routes/incidentExtras';
import { createPreferencesRouter } from './routes/preferences';
import { createRulesRouter } from './routes/rules';
import { createWebhooksRouter } from './routes/webhooks';
import { createReportRouter } from './reportRouter';

export type RouterOptions = {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  stores: OncallStores;
  incidents: IncidentService;
  channels: ChannelRegistry;
  clock?: Clock;
  /** Registers webhook tokens with the root logger's redactions. */
  redact?: Redact;
  /** Rules naming people or groups missing from the catalog are refused. */
  catalogRefs?: CatalogRefs;
};

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, auditor, stores, incidents, channels } =
    options;
  const clock = options.clock ?? Date.now;
  const router = Router();

  async function authorize(
    req: express.Request,
    permission: BasicPermission,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed: ${permission.name}`);
    }
    return credentials;
  }

  /** `oncall.incident.update` on one incident: the policy may decide by rule. */
  async function authorizeIncident(
    req: express.Request,
    incidentId: string,
  ): Promise<BackstageCredentials> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize(
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

  /** Wraps a mutation in an auditor event. */
  async function audited<T>(
    req: express.Request | undefined,
    eventId: string,
    meta: Record<string, string | number | boolean>,
    fn: () => Promise<T>,
    severityLevel: 'low' | 'medium' = 'medium',
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      request: req,
      severityLevel,
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

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Alert webhook: unauthenticated for Backstage, the token authenticates.
  // Alertmanager and Grafana send it as `Authorization: Bearer`; the path
  // form is for tools that cannot set a header, and its token is taken out
  // of the URL the access log prints first of all (before a refusal below).
  const redact = options.redact ?? (() => {});
  router.use(redactWebhookTokenInUrl);
  router.use(rejectNulCharacters);
  const alertBody = express.json({ limit: '1mb', strict: false });
  const ingest = async (
    req: express.Request,
    res: express.Response,
    token: string | undefined,
  ) => {
    if (!token) {
      throw new AuthenticationError(
        'Missing webhook token: POST /api/oncall/alerts/<token> or send Authorization: Bearer <token>',
      );
    }
    const webhook = await stores.webhooks.authenticate(token, clock());
    if (!webhook) {
      throw new AuthenticationError('Unknown or revoked webhook token');
    }
    // Known now on this replica too (it may have been created on another).
    redact([token]);
    const alerts = parseAlertPayload(req.body);
    // No request for the auditor: it would try to read Backstage credentials
    // from the Authorization header, which here holds the webhook token.
    const result = await audited(
      undefined,
      'alert-ingest',
      {
        serviceRef: webhook.serviceRef,
        webhookId: webhook.id,
        events: alerts.length,
      },
      () =>
        incidents.ingest(webhook.serviceRef, alerts, `webhook:${webhook.name}`),
      'low',
    );
    res.status(202).json(result);
  };
  router.post(
    '/alerts/:token',
    alertBody,
    rejectNulCharacters,
    async (req, res) => {
      await ingest(req, res, req.params.token);
    },
  );
  router.post('/alerts', alertBody, rejectNulCharacters, async (req, res) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    await ingest(req, res, match?.[1]);
  });

  router.use(express.json({ limit: '256kb' }), rejectNulCharacters);

  router.get('/incidents', async (req, res) => {
    await authorize(req, oncallIncidentReadPermission);
    const query = parse(incidentListQuerySchema, req.query, 'query');
    if (query.serviceRef) {
      query.serviceRef = normalizeRef(query.serviceRef, 'serviceRef');
    }
    if (query.responder) {
      query.responder = normalizeRef(query.responder, 'responder', 'user');
    }
    res.json(await incidents.list(query));
  });

  router.get('/me/incidents', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const [decision] = await permissions.authorize(
      [{ permission: oncallIncidentReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed: ${oncallIncidentReadPermission.name}`,
      );
    }
    res.json(
      await incidents.list({
        responder: actorOf(credentials),
        status: ['triggered', 'acknowledged'],
        limit: 500,
      }),
    );
  });

  router.post('/incidents', async (req, res) => {
    const credentials = await authorize(req, oncallIncidentCreatePermission);
    const input = parse(incidentCreateSchema, req.body, 'incident');
    input.serviceRef = normalizeRef(input.serviceRef, 'serviceRef');
    const incident = await audited(
      req,
      'incident-mutate',
      { actionType: 'create', serviceRef: input.serviceRef },
      () => incidents.create(input, actorOf(credentials)),
    );
    res.status(201).json(incident);
  });

  router.get('/incidents/:id', async (req, res) => {
    await authorize(req, oncallIncidentReadPermission);
    res.json(await incidents.getWithTimeline(req.params.id));
  });

  const action = (
    name: string,
    run: (id: string, actor: string, body: unknown) => Promise<unknown>,
  ) => {
    router.post(`/incidents/:id/${name}`, async (req, res) => {
      const credentials = await authorizeIncident(req, req.params.id);
      const incident = await audited(
        req,
        'incident-mutate',
        { actionType: name, incidentId: req.params.id },
        () => run(req.params.id, actorOf(credentials), req.body),
      );
      res.json(incident);
    });
  };
  action('acknowledge', (id, actor, body) =>
    incidents.acknowledge(
      id,
      actor,
      parse(incidentNoteSchema, body, 'body').note,
    ),
  );
  action('resolve', (id, actor, body) =>
    incidents.resolve(id, actor, parse(incidentNoteSchema, body, 'body').note),
  );
  action('snooze', (id, actor, body) =>
    incidents.snooze(
      id,
      actor,
      parse(incidentSnoozeSchema, body, 'body').minutes,
    ),
  );
  action('comment', (id, actor, body) =>
    incidents.comment(
      id,
      actor,
      parse(incidentCommentSchema, body, 'body').text,
    ),
  );
  action('reassign', (id, actor, body) => {
    const input = parse(incidentReassignSchema, body, 'body');
    return incidents.reassign(
      id,
      actor,
      normalizeRef(input.assignee, 'assignee', 'user'),
      input.note,
    );
  });

  // Rules and webhooks of services, the war room and escalation of an
  // incident, a person's notification preferences: one file each.
  const routeContext: RouteContext = {
    httpAuth,
    permissions,
    auditor,
    stores,
    incidents,
    channels,
    clock,
    redact,
    catalogRefs: options.catalogRefs,
  };
  router.use(createRulesRouter(routeContext));
  router.use(createWebhooksRouter(routeContext));
  router.use(createIncidentExtrasRouter(routeContext));
  router.use(createPreferencesRouter(routeContext));
  router.use(createReportRouter(routeContext));

  router.get('/channels', async (req, res) => {
    await authorize(req, oncallRuleReadPermission);
    res.json({
      items: channels.list().map(c => ({
        id: c.id,
        title: c.title,
        capabilities: { warRooms: Boolean(c.warRooms) },
      })),
    });
  });

  router.get('/channels/:channel/targets', async (req, res) => {
    await authorize(req, oncallRuleReadPermission);
    const channel = channels.get(req.params.channel);
    if (!channel) {
      throw new NotFoundError(
        `On-call channel "${req.params.channel}" is not installed`,
      );
    }
    const query = parse(channelTargetsQuerySchema, req.query, 'query');
    const page = await channel.listTargets({
      query: query.q,
      limit: query.limit,
      cursor: query.cursor,
    });
    res.json({ items: page.items ?? [], nextCursor: page.nextCursor });
  });

  return router;
}
