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
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  formatValidationError,
  type DingtalkContactUserPage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import {
  DingtalkApiError,
  DingtalkContactsApi,
  DINGTALK_USER_PAGE_MAX,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type express from 'express';
import type { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { IntegrationRegistry } from './IntegrationRegistry';

/** Who may read the organisation: the catalog's org provider, nobody else. */
export const CONTACTS_READERS = ['plugin:catalog'];

const deptId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const params = z.object({ id: z.string().min(1).max(64) });
const deptParams = params.extend({ deptId });
const userParams = params.extend({
  userId: z.string().min(1).max(64),
});
const pageQuery = z.object({
  cursor: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0),
  size: z.coerce.number().int().min(1).max(DINGTALK_USER_PAGE_MAX).default(100),
});

function parse<T>(schema: z.ZodType<T, any, any>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new InputError(formatValidationError(parsed.error));
  return parsed.data;
}

/**
 * The integration itself is gone (404 with this error name), as opposed to
 * a person or department DingTalk does not have (404 `NotFoundError`): the
 * org provider treats the first as a failure and the second as a removal.
 */
export class IntegrationNotFoundError extends Error {
  readonly name = 'DingtalkIntegrationNotFoundError';
  readonly statusCode = 404;
  constructor(id: string) {
    super(`No DingTalk integration with id '${id}'`);
  }
}

/**
 * DingTalk's organisation (departments and people) for the catalog's org
 * provider, one DingTalk call per request. The provider runs in the catalog
 * plugin; asking here keeps the app's credentials in this plugin and puts
 * its calls under the same QPS limiter and quota as everything else the app
 * does (a limiter of its own, in the catalog's database, would let the two
 * plugins together exceed the app's QPS). Service principals only: the
 * answers hold people's mobile numbers and emails.
 */
export function createContactsRouter(deps: {
  httpAuth: HttpAuthService;
  registry: IntegrationRegistry;
  logger: LoggerService;
}): express.Router {
  const router = Router();

  async function contactsOf(req: Request) {
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['service'],
    });
    if (!CONTACTS_READERS.includes(credentials.principal.subject)) {
      throw new NotAllowedError(
        `Only ${CONTACTS_READERS.join(
          ', ',
        )} may read the DingTalk organisation`,
      );
    }
    const id = parse(params.passthrough(), req.params).id;
    const integration = await deps.registry.find(id);
    if (!integration) throw new IntegrationNotFoundError(id);
    return {
      integration,
      contacts: new DingtalkContactsApi(deps.registry.client(integration)),
    };
  }

  router.get(
    '/integrations/:id/contacts/departments/:deptId',
    async (req, res) => {
      const { contacts } = await contactsOf(req);
      const p = parse(deptParams, req.params);
      const dept = await contacts.getDepartment(p.deptId).catch(explain);
      if (!dept) throw new NotFoundError(`No DingTalk department ${p.deptId}`);
      res.json(dept);
    },
  );

  router.get(
    '/integrations/:id/contacts/departments/:deptId/children',
    async (req, res) => {
      const { contacts, integration } = await contactsOf(req);
      const p = parse(deptParams, req.params);
      const items = await contacts.listSubDepartments(p.deptId).catch(explain);
      res.json({ corpId: integration.corpId, items });
    },
  );

  router.get(
    '/integrations/:id/contacts/departments/:deptId/users',
    async (req, res) => {
      const { contacts, integration } = await contactsOf(req);
      const p = parse(deptParams, req.params);
      const q = parse(pageQuery, req.query);
      const page = await contacts
        .listUsers({ deptId: p.deptId, cursor: q.cursor, size: q.size })
        .catch(explain);
      const body: DingtalkContactUserPage = {
        corpId: integration.corpId,
        ...page,
      };
      res.json(body);
    },
  );

  router.get('/integrations/:id/contacts/users/:userId', async (req, res) => {
    const { contacts } = await contactsOf(req);
    const p = parse(userParams, req.params);
    const user = await contacts.getUser(p.userId).catch(explain);
    if (!user) throw new NotFoundError(`No DingTalk user ${p.userId}`);
    res.json(user);
  });

  return router;
}

/**
 * DingTalk's refusals as HTTP answers the provider can act on: a missing
 * permission is 403 naming it, everything else (flow control, quota, DingTalk
 * down) 503, so that the provider keeps what the catalog has and tries again.
 */
function explain(e: unknown): never {
  if (e instanceof DingtalkApiError) {
    if (e.kind === 'permission') {
      throw new NotAllowedError(
        'The DingTalk app may not read the organisation: apply for the contact permissions ' +
          '(qyapi_get_department_list, qyapi_get_member) under Development Configuration → Permissions, ' +
          `and set the app's contact scope to the departments to sync. DingTalk said: ${e.message}`,
      );
    }
    throw new ServiceUnavailableError(
      `DingTalk refused ${e.api} (${e.kind}, ${e.code}): ${e.message}`,
    );
  }
  throw e;
}
