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
  createServiceFactory,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import {
  createEmulator,
  type EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import request from 'supertest';
import authModuleDingtalkProvider from '../index';

export const APP = {
  corpId: 'dingauthcorp',
  appKey: 'dingauthclient',
  appSecret: 'auth-test-client-secret-0123456789',
  agentId: '3000000042',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'auth-test-signature-token',
};

/** Every log line, to check that no login code or token is ever logged. */
export class CapturingLogger implements LoggerService {
  constructor(readonly lines: string[] = []) {}
  #log(level: string, message: string, meta?: Error | object) {
    this.lines.push(
      `${level} ${message} ${JSON.stringify(
        meta instanceof Error ? { error: meta.message } : meta ?? {},
      )}`,
    );
  }
  error(m: string, meta?: Error | object) {
    this.#log('error', m, meta);
  }
  warn(m: string, meta?: Error | object) {
    this.#log('warn', m, meta);
  }
  info(m: string, meta?: Error | object) {
    this.#log('info', m, meta);
  }
  debug(m: string, meta?: Error | object) {
    this.#log('debug', m, meta);
  }
  child(): LoggerService {
    return this;
  }
}

/** The emulator with one organisation: bob, carol, dave and erin are members; eve is in another one. */
export async function startEmulator(): Promise<EmulatorHandle> {
  const emu = await createEmulator({ port: 0 });
  emu.control.createCorp({ corpId: APP.corpId, name: 'Auth Corp' });
  emu.control.createApp({ ...APP, edition: 'standard' } as any);
  const people = [
    ['bob', 'Bob Li', '13800000002', 'bob@example.com'],
    ['carol', 'Carol Zhang', '13800000003', 'carol@example.com'],
    ['dave', 'Dave Wu', '13800000004', 'dave@example.com'],
    ['erin', 'Erin Xu', '13800000005', 'erin@example.com'],
  ];
  for (const [userId, name, mobile, email] of people) {
    emu.control.createUser({
      corpId: APP.corpId,
      userId,
      unionId: `union-${userId}`,
      name,
      mobile,
      email,
    });
  }
  emu.control.createCorp({ corpId: 'dingothercorp', name: 'Other' });
  emu.control.createUser({
    corpId: 'dingothercorp',
    userId: 'eve',
    unionId: 'union-eve',
    name: 'Eve',
    mobile: '13900000009',
    email: 'eve@example.com',
  });
  return emu;
}

export function user(
  name: string,
  opts: { annotations?: Record<string, string>; email?: string } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name,
      namespace: 'default',
      annotations: opts.annotations ?? {},
    },
    spec: {
      profile: { displayName: name, email: opts.email },
      memberOf: ['sre'],
    },
    // as the catalog's processing stitches them
    relations: [{ type: 'memberOf', targetRef: 'group:default/sre' }],
  };
}

const CATALOG = [
  // by the org provider's annotation
  user('bob', { annotations: { 'dingtalk.com/user-id': 'bob' } }),
  // by mobile, written with the country code
  user('carol', { annotations: { 'dingtalk.com/mobile': '+86 13800000003' } }),
  // by email
  user('dave', { email: 'dave@example.com' }),
  user('eve', { annotations: { 'dingtalk.com/user-id': 'eve' } }),
  // by mobile as written in the address book, through a resolver chain
  user('erin', { annotations: { 'dingtalk.com/mobile': '13800000005' } }),
];

/**
 * The auth backend with the DingTalk provider, and the DingTalk backend it
 * links accounts through, on one database, against the emulator. Each auth
 * environment uses one resolver.
 */
export async function startAuthBackend(opts: {
  knex: Knex;
  emu: EmulatorHandle;
  logger: CapturingLogger;
  auditor?: ReturnType<typeof mockServices.auditor.mock>;
}) {
  const provider = {
    clientId: APP.appKey,
    clientSecret: APP.appSecret,
    corpId: APP.corpId,
    authorizeUrl: `${opts.emu.baseUrl}/oauth2/auth`,
    apiBaseUrl: opts.emu.baseUrl,
    oapiBaseUrl: opts.emu.baseUrl,
  };
  const resolver = (name: string) => ({
    ...provider,
    signIn: { resolvers: [{ resolver: name }] },
  });
  const backend = await startTestBackend({
    features: [
      authPlugin,
      authModuleDingtalkProvider,
      dingtalkPlugin,
      mockServices.database.factory({ knex: opts.knex }),
      catalogServiceMock.factory({ entities: CATALOG }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: {
            providers: {
              dingtalk: {
                byId: resolver('userIdMatchingUserEntityAnnotation'),
                byMobile: resolver('mobileMatchingUserEntityAnnotation'),
                byEmail: resolver('emailMatchingUserEntityProfileEmail'),
                limited: resolver('userIdMatchingUserEntityAnnotation'),
                chain: {
                  ...provider,
                  signIn: {
                    resolvers: [
                      { resolver: 'userIdMatchingUserEntityAnnotation' },
                      {
                        resolver: 'mobileMatchingUserEntityAnnotation',
                        link: false,
                      },
                    ],
                  },
                },
                recheck: {
                  ...resolver('userIdMatchingUserEntityAnnotation'),
                  directoryRecheck: { minutes: 0 },
                },
              },
            },
          },
          dingtalk: {
            apiBaseUrl: opts.emu.baseUrl,
            oapiBaseUrl: opts.emu.baseUrl,
            encryptionKey: 'auth-test-encryption-key-0123456789abcdef',
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
                edition: 'standard',
                transport: 'http',
              },
            ],
          },
        },
      }),
      createServiceFactory({
        service: coreServices.rootLogger,
        deps: {},
        factory: () => opts.logger,
      }),
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => opts.logger,
      }),
      ...(opts.auditor ? [opts.auditor.factory] : []),
    ],
  });
  // The emulator redirects only to the app's own origins, as DingTalk only
  // to the registered redirect URLs.
  opts.emu.control.updateApp(APP.appKey, {
    eventUrl: `http://localhost:${backend.server.port()}/api/dingtalk/integrations/acme/events`,
  });
  return backend;
}

/** What the callback page posts to the app window. */
export function webMessage(html: string): any {
  const m = /var authResponse = decodeURIComponent\('([^']*)'\)/.exec(html);
  if (!m) throw new Error(`not an auth response page: ${html.slice(0, 200)}`);
  return JSON.parse(decodeURIComponent(m[1]));
}

/**
 * The web login as a browser does it: Backstage's start route, DingTalk's
 * authorisation page (choosing `userId`), back to Backstage's handler, with
 * the agent's cookies (nonce, then the session) all the way.
 */
export async function webLogin(
  agent: ReturnType<typeof request.agent>,
  emu: EmulatorHandle,
  env: string,
  userId: string,
  tamper?: (callback: URL) => void,
) {
  const start = await agent.get(`/api/auth/dingtalk/start?env=${env}`);
  if (start.status !== 302) {
    throw new Error(`start answered ${start.status}: ${start.text}`);
  }
  const authorize = new URL(start.get('location')!);
  const page = await fetch(authorize);
  const html = await page.text();
  if (!html.includes(`value="${userId}"`)) {
    throw new Error(`the login page does not offer ${userId}: ${html}`);
  }
  // Submit the page's form as the browser would: its hidden fields plus the
  // chosen person's button.
  const form = new URLSearchParams();
  for (const m of html.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
  )) {
    form.set(m[1], m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  }
  form.set('userId', userId);
  const chosen = await fetch(`${emu.baseUrl}/oauth2/auth`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  if (chosen.status !== 302) {
    throw new Error(`the login page answered ${chosen.status}`);
  }
  const callback = new URL(chosen.headers.get('location')!);
  tamper?.(callback);
  const frame = await agent.get(`${callback.pathname}${callback.search}`);
  return { authorize, callback, frame, message: webMessage(frame.text) };
}
