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
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import { DefaultDingtalkNotifier } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import { DingtalkNotificationProcessor } from './DingtalkNotificationProcessor';

const APP = {
  corpId: 'dingcorp',
  appKey: 'dingclient',
  appSecret: 'client-secret-value-0123456789',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'signature-token',
};

const entities = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name: 'alice',
      namespace: 'default',
      annotations: { 'dingtalk.com/mobile': '13800000001' },
    },
    spec: {},
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments',
      namespace: 'default',
      annotations: { 'dingtalk.com/chat': 'demo/cid-payments' },
    },
    spec: {},
  },
];

describe('DingtalkNotificationProcessor', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let emu: EmulatorHandle;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let processor: DingtalkNotificationProcessor;

  beforeAll(async () => {
    emu = await createEmulator();
    emu.control.createApp({ ...APP, edition: 'standard' });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'alice',
      name: 'Alice',
      mobile: '13800000001',
    });
    const group = emu.control.createGroup({
      corpId: APP.corpId,
      title: 'Payments',
      ownerUserId: 'alice',
      memberUserIds: [],
      openConversationId: 'cid-payments',
    });
    group.coolApps.push(APP.appKey);
    backend = await startTestBackend({
      features: [
        dingtalkPlugin,
        catalogServiceMock.factory({ entities: entities as any }),
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
                },
              ],
            },
          },
        }),
      ],
    });
    const base = `http://localhost:${backend.server.port()}/api/dingtalk`;
    await fetch(`${base}/integrations/demo/links/link-all-by-mobile`, {
      method: 'POST',
      headers: { authorization: mockCredentials.user.header() },
    });
    const db = await databases.init('SQLITE_3');
    const migrations = require('node:path').resolve(
      __dirname,
      '../../migrations',
    );
    await db.migrate.latest({
      directory: migrations,
      tableName: 'notifications_module_dingtalk__knex_migrations',
    });
    processor = new DingtalkNotificationProcessor({
      notifier: new DefaultDingtalkNotifier({
        discovery: { getBaseUrl: async () => base },
        auth: mockServices.auth(),
      }),
      catalog: catalogServiceMock({ entities: entities as any }),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      db,
      appBaseUrl: 'http://localhost:3000',
      throttle: { limit: 100, intervalMs: 1000 },
      allowedLinkHosts: ['grafana.example.com'],
    });
  });
  afterAll(async () => {
    await backend.stop();
    await emu.close();
  });

  it('is the DingTalk channel in notification settings', () => {
    expect(processor.getName()).toBe('DingTalk');
  });

  it('sends a user notification to the linked person and an entity notification to its group chat; the same scope updates', async () => {
    const payload = {
      title: 'Deploy failed',
      description: 'payments v2 rolled back',
      severity: 'high' as const,
      link: '/catalog/default/component/payments',
      scope: 'deploy-42',
    };
    const userOptions = {
      recipients: { type: 'entity' as const, entityRef: 'user:default/alice' },
      payload,
    };
    await processor.processOptions(userOptions);
    await processor.postProcess(
      {
        id: 'n1',
        user: 'user:default/alice',
        created: new Date(),
        origin: 'test',
        payload,
      } as any,
      userOptions,
    );
    const entityOptions = {
      recipients: {
        type: 'entity' as const,
        entityRef: 'component:default/payments',
      },
      payload,
    };
    await processor.processOptions(entityOptions);

    const toAlice = emu.control.cards({ userId: 'alice' });
    const toGroup = emu.control.cards({ openConversationId: 'cid-payments' });
    expect(toAlice).toHaveLength(1);
    expect(toGroup).toHaveLength(1);
    expect(toAlice[0].cardParamMap.markdown).toContain('🟠 High');
    expect(toAlice[0].cardParamMap.link).toBe(
      'http://localhost:3000/catalog/default/component/payments',
    );

    // the same scope again: the cards are updated, not duplicated
    const update = { ...payload, title: 'Deploy failed (retried)' };
    await processor.postProcess(
      {
        id: 'n2',
        user: 'user:default/alice',
        created: new Date(),
        origin: 'test',
        payload: update,
      } as any,
      { ...userOptions, payload: update },
    );
    await processor.processOptions({ ...entityOptions, payload: update });
    expect(emu.control.cards({ userId: 'alice' })).toHaveLength(1);
    expect(
      emu.control.cards({ openConversationId: 'cid-payments' }),
    ).toHaveLength(1);
    expect(emu.control.cards({ userId: 'alice' })[0].cardParamMap.title).toBe(
      'Deploy failed (retried)',
    );
    expect(
      emu.control.cards({ openConversationId: 'cid-payments' })[0].history,
    ).toHaveLength(2);
  });

  it('sends notification text escaped, and links only to Backstage and allowed hosts', async () => {
    const send = async (payload: any) => {
      const options = {
        recipients: {
          type: 'entity' as const,
          entityRef: 'user:default/alice',
        },
        payload,
      };
      await processor.postProcess(
        {
          id: `n-${payload.scope}`,
          user: 'user:default/alice',
          created: new Date(),
          origin: 'test',
          payload,
        } as any,
        options,
      );
      return emu.control
        .cards({ userId: 'alice' })
        .find(c => c.cardParamMap.title.includes(payload.scope))!;
    };
    const evil = await send({
      scope: 'evil-1',
      title: 'evil-1 [Click](https://evil.example/ack)',
      description:
        '![](https://evil.example/t.png) @13800000000 <font color=red>x</font>',
      link: 'https://evil.example/phish',
    });
    const { markdown, title, link } = evil.cardParamMap;
    for (const text of [markdown, title]) {
      expect(text).not.toContain('https://evil.example');
      expect(text).not.toMatch(/!\[|<font|@13800000000|\[Click\]/);
    }
    expect(markdown).toContain('＠13800000000');
    expect(markdown).not.toContain('Open in Backstage');
    expect(link).toBe('');
    const allowed = await send({
      scope: 'allowed-1',
      title: 'allowed-1',
      link: 'https://grafana.example.com/d/x',
    });
    expect(allowed.cardParamMap.link).toBe('https://grafana.example.com/d/x');
    expect(allowed.cardParamMap.markdown).toContain(
      '[Open in Backstage](https://grafana.example.com/d/x)',
    );
  });

  it('does not DM users who only got a notification through a group', async () => {
    const before = emu.control.cards().length;
    const payload = { title: 'Team news' };
    await processor.postProcess(
      {
        id: 'n3',
        user: 'user:default/alice',
        created: new Date(),
        origin: 'test',
        payload,
      } as any,
      {
        recipients: { type: 'entity', entityRef: 'group:default/team' },
        payload,
      },
    );
    expect(emu.control.cards()).toHaveLength(before);
  });
});
