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
  DiscoveryService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { DingtalkApiError } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import express, { type Request } from 'express';
import Router from 'express-promise-router';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { LinksStore } from '../database/LinksStore';
import {
  LINK_TICKET_TTL_MS,
  type LinkTicketsStore,
} from '../database/LinkTicketsStore';
import { rejectNulCharacters } from '../lib/nul';
import {
  TooManyRequestsError,
  type H5RateLimiter,
  type H5RateLimits,
} from './H5RateLimiter';
import type {
  DingtalkSettings,
  IntegrationRegistry,
} from './IntegrationRegistry';

/**
 * The cookie that binds a link ticket to the browser (the DingTalk client's
 * web view) whose H5 session asked for it: the confirm step must come from
 * the same browser, so a link URL sent to someone else does not work.
 */
export const H5_SESSION_COOKIE = 'dingtalk_h5_session';

/**
 * What an auth code from requestAuthCode looks like: DingTalk documents an
 * opaque string (its example is `hYLK98jkf0m`; codes seen in practice are 32
 * hex digits, the emulator's 24). Anything else is refused before DingTalk
 * is asked, so that garbage costs no call.
 */
export const AUTH_CODE = /^[A-Za-z0-9._~+/=-]{8,128}$/;

export interface H5Settings {
  /** Where the H5 page loads the JSAPI from (default: the bundled copy). */
  jsapiUrl?: string;
  rateLimits: H5RateLimits;
}

export function readH5Settings(config: RootConfigService): H5Settings {
  return {
    jsapiUrl: config.getOptionalString('dingtalk.h5.jsapiUrl'),
    rateLimits: {
      perAddressPerMinute:
        config.getOptionalNumber('dingtalk.h5.rateLimit.perAddressPerMinute') ??
        10,
      perIntegrationPerMinute:
        config.getOptionalNumber(
          'dingtalk.h5.rateLimit.perIntegrationPerMinute',
        ) ?? 120,
    },
  };
}

/** The cookie's value in this request, when it looks like one we set. */
export function h5SessionOf(req: Request): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === H5_SESSION_COOKIE) {
      const v = value.join('=');
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/**
 * `POST /h5/:id/session`: the H5 page's login-free sign-in. Open to anyone,
 * so it spends as little as it can: a malformed code is refused before any
 * DingTalk call, each client address and each integration is rate limited,
 * and the one DingTalk call runs in the client's `unauthenticated` lane (a
 * small share of the QPS and its own small budget of the quota: paging
 * always goes first).
 */
export function createH5SessionRouter(deps: {
  registry: IntegrationRegistry;
  links: LinksStore;
  tickets: LinkTicketsStore;
  limiter: H5RateLimiter;
  settings: DingtalkSettings;
  discovery: DiscoveryService;
  auth: AuthService;
  logger: LoggerService;
}): express.Router {
  const router = Router();
  const secureCookie = deps.settings.publicBaseUrl.startsWith('https:');

  router.post(
    '/h5/:id/session',
    express.json({ limit: '4kb' }),
    rejectNulCharacters,
    async (req, res) => {
      const integration = await deps.registry.find(req.params.id);
      if (!integration)
        throw new NotFoundError(
          `No DingTalk integration with id '${req.params.id}'`,
        );
      const parsed = z
        .object({ code: z.string().regex(AUTH_CODE) })
        .safeParse(req.body);
      if (!parsed.success)
        throw new InputError(
          'An auth code from requestAuthCode is required: 8 to 128 letters, digits or . _ ~ + / = -',
        );
      try {
        await deps.limiter.check(
          integration.id,
          req.ip ?? req.socket.remoteAddress ?? 'unknown',
        );
      } catch (e) {
        if (e instanceof TooManyRequestsError)
          res.setHeader('retry-after', String(e.retryAfterSeconds));
        throw e;
      }
      let user;
      try {
        user = await deps.registry
          .client(integration)
          .getUserInfoByCode(parsed.data.code, { lane: 'unauthenticated' });
      } catch (e) {
        throw refusal(e, res);
      }
      const link = await deps.links.byDingtalkUser(integration.id, user.userId);
      if (!link) {
        const session =
          h5SessionOf(req) ?? randomBytes(32).toString('base64url');
        const ticket = await deps.tickets.issue(
          {
            integrationId: integration.id,
            dingtalkUserId: user.userId,
            unionId: user.unionId,
            name: user.name,
          },
          session,
        );
        res.cookie(H5_SESSION_COOKIE, session, {
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookie,
          path: req.baseUrl || '/',
          maxAge: LINK_TICKET_TTL_MS,
        });
        // The ticket travels in the fragment: browsers never send it to a
        // server, so it cannot reach an access log.
        const linkUrl = `${deps.settings.appBaseUrl.replace(
          /\/$/,
          '',
        )}/dingtalk/link?integration=${encodeURIComponent(
          integration.id,
        )}#ticket=${encodeURIComponent(ticket)}`;
        res.json({
          linked: false,
          dingtalkName: user.name,
          linkUrl,
          expiresInSeconds: LINK_TICKET_TTL_MS / 1000,
        });
        return;
      }
      res.json({
        linked: true,
        dingtalkName: user.name,
        userEntityRef: link.userEntityRef,
        incidents: await openIncidents(deps, link.userEntityRef),
        backstageUrl: deps.settings.appBaseUrl,
      });
    },
  );
  return router;
}

/** A failed code exchange as the client should see it. */
function refusal(e: unknown, res: express.Response): Error {
  if (e instanceof DingtalkApiError) {
    if (e.code === 'unauthenticated-lane-busy') {
      res.setHeader('retry-after', '1');
      return new TooManyRequestsError(
        'DingTalk sign-in is busy right now: try again in a moment',
        1,
      );
    }
    if (e.code === 'unauthenticated-budget-exhausted' || e.kind === 'quota')
      return new ServiceUnavailableError(
        'DingTalk sign-in is paused: the DingTalk calls it may use are used up for now. Open Backstage directly.',
      );
    return new InputError(
      `DingTalk did not accept the auth code: ${e.message}`,
    );
  }
  // Not DingTalk's answer (a database error, a bug): not the caller's fault,
  // and its message is not for them.
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * The person's open incidents, from the on-call plugin's public API when it is
 * installed (the page stays useful without it).
 */
async function openIncidents(
  deps: {
    discovery: DiscoveryService;
    auth: AuthService;
    logger: LoggerService;
    settings: DingtalkSettings;
  },
  userEntityRef: string,
) {
  try {
    const baseUrl = await deps.discovery.getBaseUrl('oncall');
    const { token } = await deps.auth.getPluginRequestToken({
      onBehalfOf: await deps.auth.getOwnServiceCredentials(),
      targetPluginId: 'oncall',
    });
    const query = new URLSearchParams({
      responder: userEntityRef,
      status: 'triggered,acknowledged',
      limit: '20',
    });
    const res = await fetch(`${baseUrl}/incidents?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) return [];
    const body = (await res.json()) as any;
    return (body.items ?? []).map((i: any) => ({
      id: i.id,
      title: i.title,
      severity: i.severity,
      status: i.status,
      url: `${deps.settings.appBaseUrl.replace(
        /\/$/,
        '',
      )}/oncall/incidents/${encodeURIComponent(i.id)}`,
    }));
  } catch {
    return [];
  }
}
