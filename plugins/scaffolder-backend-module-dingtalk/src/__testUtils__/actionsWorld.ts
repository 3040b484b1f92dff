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

// A real dingtalk backend and on-call plugin in one test backend, against the
// emulator, for the scaffolder action tests (actions/actions*.test.ts).
import type { JsonObject } from '@backstage/types';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// The module's actions are tested against the real host plugins, which a
// module's production code must not import; this file is test-only.
/* eslint-disable @backstage/no-mixed-plugin-imports */
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import oncallPlugin from '@dingtalk-oncall/backstage-plugin-oncall-backend';
/* eslint-enable @backstage/no-mixed-plugin-imports */
import oncallModuleDingtalk from '@dingtalk-oncall/backstage-plugin-oncall-backend-module-dingtalk';
import { DefaultDingtalkNotifier } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { createEmulator } from '@dingtalk-oncall/dingtalk-emulator';

export const APP = {
  corpId: 'dingcorp',
  appKey: 'dingclient',
  appSecret: 'client-secret-value-0123456789',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'signature-token',
};

/** The task log, as lines: what a person sees in the scaffolder's log view. */
export function taskLog() {
  const lines: string[] = [];
  const logger: any = {
    lines,
    child: () => logger,
  };
  for (const level of ['error', 'warn', 'info', 'debug']) {
    logger[level] = (message: string) => lines.push(`${level}: ${message}`);
  }
  return logger;
}

/**
 * Runs of one task that keep their checkpoints, as the scaffolder does: a
 * checkpoint that completed returns its stored value on a retry instead of
 * running again (createMockActionContext's own checkpoint always runs).
 */
export function taskRuns(taskId: string) {
  const done = new Map<string, unknown>();
  return (input: JsonObject) => {
    const ctx = createMockActionContext({
      input,
      task: { id: taskId } as any,
      logger: taskLog(),
    });
    ctx.checkpoint = (async ({
      key,
      fn,
    }: {
      key: string;
      fn: () => Promise<unknown>;
    }) => {
      if (!done.has(key)) done.set(key, await fn());
      return done.get(key);
    }) as any;
    return ctx;
  };
}

/** The mock user's credentials, which the test backend accepts. */
function mockCredentialsHeader() {
  return mockCredentials.user.header();
}

export type ActionsWorld = Awaited<ReturnType<typeof startActionsWorld>>;

/**
 * The emulator with the app, a war-room template and three users; the test
 * backend; and clients of it. alice and bob have linked their accounts.
 */
export async function startActionsWorld() {
  const emu = await createEmulator();
  emu.control.createApp({ ...APP, edition: 'standard' });
  emu.control.createSceneGroupTemplate({
    corpId: APP.corpId,
    templateId: 'tpl',
    botId: 'group-bot',
  });
  for (const [userId, mobile] of [
    ['alice', '13800000001'],
    ['bob', '13800000002'],
    ['carol', '13800000003'],
  ]) {
    emu.control.createUser({
      corpId: APP.corpId,
      userId,
      name: userId,
      mobile,
    });
  }
  const backend = await startTestBackend({
    features: [
      dingtalkPlugin,
      // The host on-call plugin with its DingTalk channel: a war room for an
      // incident is handed to it over its HTTP API.
      oncallPlugin,
      oncallModuleDingtalk,
      catalogServiceMock.factory({
        entities: [
          ...['alice', 'bob'].map((name, i) => ({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: {
              name,
              namespace: 'default',
              annotations: { 'dingtalk.com/mobile': `1380000000${i + 1}` },
            },
            spec: {},
          })),
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'checkout-api', namespace: 'default' },
            spec: { type: 'service', owner: 'sre' },
          },
        ],
      }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            database: { client: 'better-sqlite3', connection: ':memory:' },
          },
          dingtalk: {
            apiBaseUrl: emu.baseUrl,
            oapiBaseUrl: emu.baseUrl,
            encryptionKey: 'test-encryption-key-0123456789abcdef',
            integrations: [
              {
                id: 'demo',
                corpId: APP.corpId,
                agentId: '1',
                clientId: APP.appKey,
                clientSecret: APP.appSecret,
                aesKey: APP.aesKey,
                token: APP.token,
                warRoom: { templateId: 'tpl', botId: 'group-bot' },
              },
            ],
          },
        },
      }),
    ],
  });
  const port = backend.server.port();
  const notifier = new DefaultDingtalkNotifier({
    discovery: {
      getBaseUrl: async () => `http://localhost:${port}/api/dingtalk`,
    },
    auth: mockServices.auth(),
  });
  const incidents: {
    discovery: { getBaseUrl(id: string): Promise<string> };
    auth: ReturnType<typeof mockServices.auth>;
  } = {
    discovery: {
      getBaseUrl: async (id: string) => `http://localhost:${port}/api/${id}`,
    },
    auth: mockServices.auth(),
  };
  const api = (
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
  ): Promise<Response> =>
    fetch(`http://localhost:${port}/api${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: mockCredentialsHeader(),
        ...init.headers,
      },
    });
  // alice and bob link their accounts (one-click link by mobile)
  await fetch(
    `http://localhost:${port}/api/dingtalk/integrations/demo/links/link-all-by-mobile`,
    {
      method: 'POST',
      headers: { authorization: mockCredentialsHeader() },
    },
  );
  return {
    emu,
    backend,
    notifier,
    incidents,
    api,
    async stop() {
      await backend.stop();
      await emu.close();
    },
  };
}
