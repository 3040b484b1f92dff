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
  LoggerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { Entity } from '@backstage/catalog-model';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import request from 'supertest';
import { dingtalkPlugin } from '../plugin';

export const APP = {
  corpId: 'dingtestcorp',
  appKey: 'dingtestclient',
  appSecret: 'test-client-secret-value-1234567890',
  agentId: '3000000007',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'test-signature-token-value',
};

export const ENCRYPTION_KEY = 'test-encryption-key-0123456789abcdef';

/** Every log line of a test backend, to check that no secret is ever logged. */
export class CapturingLogger implements LoggerService {
  constructor(
    readonly lines: string[] = [],
    private readonly meta: object = {},
  ) {}
  private log(level: string, message: string, meta?: Error | object) {
    this.lines.push(
      `${level} ${message} ${JSON.stringify({
        ...this.meta,
        ...(meta instanceof Error ? { error: meta.message } : meta),
      })}`,
    );
  }
  error(message: string, meta?: Error | object) {
    this.log('error', message, meta);
  }
  warn(message: string, meta?: Error | object) {
    this.log('warn', message, meta);
  }
  info(message: string, meta?: Error | object) {
    this.log('info', message, meta);
  }
  debug(message: string, meta?: Error | object) {
    this.log('debug', message, meta);
  }
  child(meta: object): LoggerService {
    return new CapturingLogger(this.lines, { ...this.meta, ...meta });
  }
}

/** The emulator's APP as an integration names it, for bodies and app-config alike. */
export const APP_CREDENTIALS = {
  corpId: APP.corpId,
  agentId: APP.agentId,
  clientId: APP.appKey,
  clientSecret: APP.appSecret,
  aesKey: APP.aesKey,
  token: APP.token,
};

/** The API body that creates integration `acme` for the emulator's APP. */
export const INTEGRATION_BODY = {
  id: 'acme',
  name: 'Acme',
  ...APP_CREDENTIALS,
  edition: 'standard',
};

export function userEntity(name: string, mobile?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name,
      namespace: 'default',
      annotations: mobile ? { 'dingtalk.com/mobile': mobile } : {},
    },
    spec: { profile: { displayName: name } },
  };
}

/**
 * App config for a test backend. A `dingtalk` block in `config` replaces the
 * default one whole, so this repeats the emulator's URLs and the encryption
 * key and adds `extra` (integrations, stream, robot settings...).
 */
export const dingtalkConfig = (emu: EmulatorHandle, extra: object = {}) => ({
  dingtalk: {
    apiBaseUrl: emu.baseUrl,
    oapiBaseUrl: emu.baseUrl,
    encryptionKey: ENCRYPTION_KEY,
    ...extra,
  },
});

/**
 * Options of a backend whose permission policy denies everything, with
 * `integration` declared in app-config: the API cannot create one, and the
 * routes DingTalk calls must still work.
 */
export const allDeniedOptions = (
  emu: EmulatorHandle,
  integration: object = INTEGRATION_BODY,
) => ({
  features: [
    mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
  ],
  config: dingtalkConfig(emu, { integrations: [integration] }),
  integration: false as const,
});

/** A backend with the dingtalk plugin, on the given database, talking to the emulator. */
export async function startDingtalkBackend(opts: {
  knex: Knex;
  emu: EmulatorHandle;
  users?: Entity[];
  logger?: CapturingLogger;
  config?: object;
  features?: any[];
}) {
  const logger = opts.logger ?? new CapturingLogger();
  return startTestBackend({
    features: [
      dingtalkPlugin,
      mockServices.database.factory({ knex: opts.knex }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          ...dingtalkConfig(opts.emu),
          ...opts.config,
        },
      }),
      catalogServiceMock.factory({ entities: opts.users ?? [] }),
      createServiceFactory({
        service: coreServices.rootLogger,
        deps: {},
        factory: () => logger,
      }),
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => logger,
      }),
      ...(opts.features ?? []),
    ],
  });
}

export type DingtalkBackend = Awaited<ReturnType<typeof startDingtalkBackend>>;

/** Creates integration `acme` over the API, as an admin does before anything else works. */
export async function createIntegration(
  server: DingtalkBackend['server'],
  body: object = INTEGRATION_BODY,
) {
  await request(server)
    .post('/api/dingtalk/integrations')
    .send(body)
    .expect(201);
}

/**
 * Starts a backend, creates integration `acme` over the API (with
 * `integration` as its body; `false` creates none), runs `test`, and stops
 * the backend whatever happens, so that a failed assertion does not leave a
 * server and its database pool running into the next test.
 */
export async function withDingtalkBackend<T>(
  opts: Parameters<typeof startDingtalkBackend>[0] & {
    integration?: object | false;
  },
  test: (
    server: DingtalkBackend['server'],
    backend: DingtalkBackend,
  ) => Promise<T>,
): Promise<T> {
  const { integration, ...start } = opts;
  const backend = await startDingtalkBackend(start);
  try {
    if (integration !== false)
      await createIntegration(backend.server, integration);
    return await test(backend.server, backend);
  } finally {
    await backend.stop();
  }
}
