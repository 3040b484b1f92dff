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
  resolvePackagePath,
  type AuthService,
  type DiscoveryService,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import path from 'node:path';
import { z } from 'zod';
import type { LinksStore } from '../database/LinksStore';
import type { SecretBox } from '../lib/SecretBox';
import { rejectNulCharacters } from '../lib/nul';
import type {
  DingtalkSettings,
  IntegrationRegistry,
} from './IntegrationRegistry';

const PAGES = ['home', 'pc', 'coolapp'] as const;

/**
 * The H5 pages DingTalk opens (Application Homepage, PC Homepage, Cool App
 * Web URL). The page asks the DingTalk client for a login-free auth code and
 * sends it here; the first time, the person signs in to Backstage to link the
 * two accounts; afterwards the link is found and the page opens signed in.
 * Scripts are files (the backend's CSP forbids inline scripts).
 */
export function createH5Router(deps: {
  registry: IntegrationRegistry;
  links: LinksStore;
  box: SecretBox;
  settings: DingtalkSettings;
  discovery: DiscoveryService;
  auth: AuthService;
  logger: LoggerService;
}): express.Router {
  const router = Router();
  router.use(rejectNulCharacters);
  const assets = resolvePackagePath(
    '@dingtalk-oncall/backstage-plugin-dingtalk-backend',
    'assets/h5',
  );
  let jsapiBundle: string | undefined;

  router.get('/h5/assets/dingtalk-jsapi.js', (_req, res) => {
    // DingTalk's JSAPI ships as CommonJS modules; bundle it for the browser
    // once, on first use, rather than loading it from DingTalk's CDN (which
    // the CSP would have to allow).
    if (!jsapiBundle) {
      const esbuild = require('esbuild');
      jsapiBundle = esbuild.buildSync({
        stdin: {
          contents: 'window.dd = require("dingtalk-jsapi");',
          resolveDir: path.dirname(
            require.resolve('dingtalk-jsapi/package.json'),
          ),
        },
        bundle: true,
        format: 'iife',
        platform: 'browser',
        minify: true,
        write: false,
      }).outputFiles[0].text as string;
    }
    res
      .type('application/javascript')
      .set('cache-control', 'public, max-age=3600')
      .send(jsapiBundle);
  });
  router.use(
    '/h5/assets',
    express.static(assets, { index: false, maxAge: '1h' }),
  );

  router.get('/h5/:id/config', async (req, res) => {
    const integration = await deps.registry.find(req.params.id);
    if (!integration)
      throw new NotFoundError(
        `No DingTalk integration with id '${req.params.id}'`,
      );
    res.json({
      id: integration.id,
      name: integration.name,
      corpId: integration.corpId,
      clientId: integration.clientId,
    });
  });

  router.get('/h5/:id/:page', async (req, res) => {
    if (!(PAGES as readonly string[]).includes(req.params.page))
      throw new NotFoundError('No such page');
    if (!(await deps.registry.find(req.params.id)))
      throw new NotFoundError(
        `No DingTalk integration with id '${req.params.id}'`,
      );
    res.sendFile(path.join(assets, 'index.html'));
  });

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
        .object({ code: z.string().min(1).max(256) })
        .safeParse(req.body);
      if (!parsed.success)
        throw new InputError('An auth code from requestAuthCode is required');
      let user;
      try {
        user = await deps.registry
          .client(integration)
          .getUserInfoByCode(parsed.data.code);
      } catch (e) {
        throw new InputError(
          `DingTalk did not accept the auth code: ${(e as Error).message}`,
        );
      }
      const link = await deps.links.byDingtalkUser(integration.id, user.userId);
      if (!link) {
        const ticket = deps.box.sign(
          {
            t: 'link',
            integrationId: integration.id,
            dingtalkUserId: user.userId,
            unionId: user.unionId,
            name: user.name,
          },
          15 * 60_000,
        );
        const linkUrl = `${deps.settings.appBaseUrl.replace(
          /\/$/,
          '',
        )}/dingtalk/link?integration=${encodeURIComponent(
          integration.id,
        )}&ticket=${encodeURIComponent(ticket)}`;
        res.json({ linked: false, dingtalkName: user.name, linkUrl });
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
