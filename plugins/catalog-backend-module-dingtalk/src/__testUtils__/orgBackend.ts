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
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  eventsServiceFactory,
  eventsServiceRef,
  type EventsService,
} from '@backstage/plugin-events-node';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import {
  createEmulator,
  type EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import express from 'express';
import type { Knex } from 'knex';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { catalogModuleDingtalkOrgEntityProvider } from '../module';

export const APP = {
  corpId: 'dingorgcorp',
  appKey: 'dingorgclient',
  appSecret: 'org-client-secret-value-1234567890',
  agentId: '3000000009',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'org-signature-token-value',
};

export const SRE = 100001;
export const PAYMENTS = 100002;

/** An organisation: Org Corp (root) with SRE (alice, bob) and Payments (carol). */
export async function createOrgEmulator() {
  const emu = await createEmulator();
  emu.control.createCorp({ corpId: APP.corpId, name: 'Org Corp' });
  emu.control.createApp({ ...APP, edition: 'standard' });
  emu.control.createDepartment({
    corpId: APP.corpId,
    deptId: SRE,
    name: 'SRE',
  });
  emu.control.createDepartment({
    corpId: APP.corpId,
    deptId: PAYMENTS,
    name: 'Payments',
  });
  const person = (userId: string, name: string, n: number, deptIds: number[]) =>
    emu.control.createUser({
      corpId: APP.corpId,
      userId,
      name,
      mobile: `1380000000${n}`,
      email: `${userId}@example.com`,
      deptIds,
    });
  person('alice', 'Alice Wang', 1, [SRE]);
  person('bob', 'Bob Li', 2, [SRE]);
  person('carol', 'Carol Zhang', 3, [PAYMENTS]);
  return emu;
}

/** A plugin that owns cards: records every click the dingtalk backend forwards. */
function cardOwnerPlugin(received: any[]) {
  return createBackendPlugin({
    pluginId: 'cardowner',
    register(env) {
      env.registerInit({
        deps: { httpRouter: coreServices.httpRouter },
        async init({ httpRouter }) {
          const router = express.Router();
          router.post('/card-action', express.json(), (req, res) => {
            received.push(req.body);
            res.json({ message: `Done by ${req.body.userEntityRef}` });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

/**
 * The catalog with the DingTalk org provider, the dingtalk backend with the
 * integration `acme` declared in app-config, and a card-owning plugin; the
 * emulated DingTalk pushes its events to this backend.
 */
export async function startOrgBackend(opts: {
  knex: Knex;
  emu: EmulatorHandle;
  provider?: object;
  features?: any[];
  edition?: string;
}) {
  const clicks: any[] = [];
  const backend = await startTestBackend({
    features: [
      dingtalkPlugin,
      catalogPlugin,
      catalogModuleDingtalkOrgEntityProvider,
      cardOwnerPlugin(clicks),
      mockServices.database.factory({ knex: opts.knex }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          dingtalk: {
            apiBaseUrl: opts.emu.baseUrl,
            oapiBaseUrl: opts.emu.baseUrl,
            encryptionKey: 'test-encryption-key-0123456789abcdef',
            integrations: [
              {
                id: 'acme',
                name: 'Acme',
                corpId: APP.corpId,
                agentId: APP.agentId,
                clientId: APP.appKey,
                clientSecret: APP.appSecret,
                aesKey: APP.aesKey,
                token: APP.token,
                edition: opts.edition ?? 'standard',
              },
            ],
          },
          catalog: {
            providers: {
              dingtalk: {
                acme: opts.provider ?? {
                  schedule: {
                    frequency: { hours: 24 },
                    timeout: { minutes: 10 },
                  },
                },
              },
            },
          },
        },
      }),
      mockServices.rootLogger.factory({
        level: (process.env.ORG_TEST_LOG as any) ?? 'warn',
      }),
      // The real events service, shared by the plugins of this backend (the
      // test backend's default mock is one per plugin).
      eventsServiceFactory,
      // A scheduler of this backend's own (the default is shared by every
      // test backend of the file, and would run earlier backends' syncs).
      mockServices.scheduler.factory(),
      ...(opts.features ?? []),
    ],
  });
  const port = (backend.server.address() as AddressInfo).port;
  opts.emu.control.updateApp(APP.appKey, {
    eventUrl: `http://127.0.0.1:${port}/api/dingtalk/integrations/acme/events`,
  });
  return { backend, s: backend.server, clicks };
}

/** The catalog's entity, or undefined. */
export async function entity(
  s: any,
  kind: string,
  name: string,
): Promise<Entity | undefined> {
  const res = await request(s).get(
    `/api/catalog/entities/by-name/${kind}/default/${name}`,
  );
  return res.status === 200 ? res.body : undefined;
}

export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 20_000,
): Promise<T> {
  const began = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() - began > ms) throw e;
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

/** The catalog's entities of this kind with this DingTalk annotation value. */
export async function byAnnotation(
  s: any,
  kind: string,
  annotation: string,
  value: string,
): Promise<Entity[]> {
  const res = await request(s)
    .get('/api/catalog/entities/by-query')
    .query({
      filter: `kind=${kind},metadata.annotations.${annotation}=${value}`,
    });
  // The catalog's filter ignores case; DingTalk's userids do not.
  return ((res.body.items ?? []) as Entity[]).filter(
    e => e.metadata.annotations?.[annotation] === value,
  );
}

/** A plugin that hands the test the backend's events service, to publish on any topic. */
export function eventsHandle(out: { events?: EventsService }) {
  return createBackendPlugin({
    pluginId: 'publisher',
    register(env) {
      env.registerInit({
        deps: { events: eventsServiceRef },
        async init({ events }) {
          out.events = events;
        },
      });
    },
  });
}

export const callsOf = (emu: EmulatorHandle, api: string) =>
  emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey]?.byApi[api] ?? 0;

export async function stays(check: () => Promise<void>, ms = 4_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await check();
    await new Promise(r => setTimeout(r, 250));
  }
}
