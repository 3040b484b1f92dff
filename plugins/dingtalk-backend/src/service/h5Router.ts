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
import { NotFoundError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import fs from 'node:fs';
import path from 'node:path';
import type { LinksStore } from '../database/LinksStore';
import type { LinkTicketsStore } from '../database/LinkTicketsStore';
import { rejectNulCharacters } from '../lib/nul';
import type { H5RateLimiter } from './H5RateLimiter';
import { createH5SessionRouter, type H5Settings } from './h5SessionRouter';
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
  tickets: LinkTicketsStore;
  limiter: H5RateLimiter;
  settings: DingtalkSettings;
  h5: H5Settings;
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
  // DingTalk's JSAPI ships as CommonJS modules: the package's build bundles
  // it for the browser into assets/h5/dingtalk-jsapi.js (scripts/build-h5.js),
  // served with the page's own scripts rather than from DingTalk's CDN (which
  // the CSP would have to allow).
  if (!fs.existsSync(path.join(assets, 'dingtalk-jsapi.js'))) {
    deps.logger.error(
      'assets/h5/dingtalk-jsapi.js is missing, so the H5 pages cannot call DingTalk: build the package (node scripts/build-h5.js)',
    );
  }
  router.use(
    '/h5/assets',
    express.static(assets, { index: false, maxAge: '1h' }),
  );
  router.get('/h5/assets/dingtalk-jsapi.js', () => {
    throw new NotFoundError('The H5 JSAPI bundle was not built');
  });

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
      // From config only (dingtalk.h5.jsapiUrl: the emulator's stand-in in
      // development), never from the page's URL: a link could otherwise make
      // the page run any script its CSP allows.
      jsapiUrl:
        deps.h5.jsapiUrl ?? `${req.baseUrl}/h5/assets/dingtalk-jsapi.js`,
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

  // The sign-in itself: open to anyone, so rate limited and kept from
  // spending what paging needs (h5SessionRouter.ts).
  router.use(createH5SessionRouter(deps));

  return router;
}
