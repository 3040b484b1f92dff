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
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import express from 'express';
import Router from 'express-promise-router';
import type { GroupsStore } from '../database/GroupsStore';
import type { LinksStore } from '../database/LinksStore';
import type { RecordsStore } from '../database/RecordsStore';
import type { SecretBox } from '../lib/SecretBox';
import { rejectNulCharacters } from '../lib/nul';
import { createApiContext } from './api/apiContext';
import { createGroupsRouter } from './api/groupsRouter';
import { createIntegrationsRouter } from './api/integrationsRouter';
import { createLinksAdminRouter } from './api/linksAdminRouter';
import { createNotifyRouter } from './api/notifyRouter';
import { createRecordsRouter } from './api/recordsRouter';
import { createWarRoomsRouter } from './api/warRoomsRouter';
import type { IntegrationRegistry } from './IntegrationRegistry';
import type { Messenger } from './Messenger';
import type { People } from './People';
import type { UsageService } from './UsageService';

/**
 * The authenticated API: integrations, groups, records, usage, links,
 * sending. One router per concern under `api/`; each proves the caller and
 * checks a permission itself.
 *
 * Other routes of the plugin: GET /links/me, /links, POST /links/sign-in in
 * accountLinksRouter.ts; POST /links/preview and /links/confirm in
 * linkRouter.ts; robot messages in robot/robotRouter.ts.
 */
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
  const api = createApiContext(deps);
  const shared = { ...deps, api };
  const router = Router();
  router.use(express.json({ limit: '256kb' }), rejectNulCharacters);
  router.use(createIntegrationsRouter(shared));
  router.use(createGroupsRouter(shared));
  router.use(createRecordsRouter(shared));
  router.use(createLinksAdminRouter(shared));
  router.use(createNotifyRouter(shared));
  router.use(createWarRoomsRouter(shared));
  return router;
}
