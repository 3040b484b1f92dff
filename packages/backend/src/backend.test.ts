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
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import oncallPlugin from '@dingtalk-oncall/backstage-plugin-oncall-backend';
import oncallModuleDingtalk from '@dingtalk-oncall/backstage-plugin-oncall-backend-module-dingtalk';

// The product's own plugins together in one backend, as packages/backend
// installs them, on SQLite and on PostgreSQL: each must start next to the
// others (shared database server, one httpRouter) and answer its health check.
describe('backend with every DingTalk and on-call feature', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'starts and answers health checks on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              app: { baseUrl: 'http://localhost:3000' },
              backend: { baseUrl: 'http://localhost:7007' },
              dingtalk: {
                apiBaseUrl: 'http://127.0.0.1:1',
                oapiBaseUrl: 'http://127.0.0.1:1',
                encryptionKey: 'test-encryption-key-0123456789abcdef',
              },
            },
          }),
          dingtalkPlugin,
          oncallPlugin,
          oncallModuleDingtalk,
        ],
      });
      try {
        for (const plugin of ['dingtalk', 'oncall']) {
          const res = await request(backend.server).get(
            `/api/${plugin}/health`,
          );
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ status: 'ok' });
        }
        // Everything else needs credentials: the health checks are the only
        // unauthenticated routes besides DingTalk's own callbacks.
        const res = await request(backend.server)
          .get('/api/dingtalk/integrations')
          .set('Authorization', 'Bearer not-a-valid-token');
        expect(res.status).toBe(401);
      } finally {
        await backend.stop();
      }
    },
    60_000,
  );
});
