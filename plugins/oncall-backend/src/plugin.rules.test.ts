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
import { TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { SERVICE, SERVICE_PATH } from './__testUtils__/pluginFixtures';

jest.setTimeout(60_000);

// Escalation rules and the channel target proxy.
describe('oncall plugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('manages rules and proxies channel targets', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startOncallBackend(knex);
      try {
        await request(server)
          .get(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .expect(404);
        const bad = await request(server)
          .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .send({
            name: 'x',
            steps: [
              { delayMinutes: -1, targets: [] },
              {
                delayMinutes: 1,
                targets: [
                  { type: 'user', ref: 'group:default/sre' },
                  { type: 'pager' },
                ],
              },
            ],
          })
          .expect(400);
        expect(bad.body.error.message).toContain(
          'steps.0.delayMinutes: must not be negative',
        );
        expect(bad.body.error.message).toContain(
          'steps.0.targets: a step needs at least one target',
        );
        expect(bad.body.error.message).toContain(
          'steps.1.targets.0.ref: must be a user entity ref',
        );
        expect(bad.body.error.message).toContain(
          'type must be one of user, group, channel',
        );

        const put = await request(server)
          .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .send({
            name: 'Primary',
            steps: [
              {
                delayMinutes: 0,
                targets: [{ type: 'user', ref: 'user:Alice' }],
              },
            ],
            repeat: 2,
          })
          .expect(200);
        expect(put.body).toMatchObject({
          serviceRef: SERVICE,
          repeat: 2,
          updatedBy: 'user:default/mock',
          steps: [
            {
              delayMinutes: 0,
              targets: [{ type: 'user', ref: 'user:default/alice' }],
            },
          ],
        });
        const updated = await request(server)
          .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .send({ name: 'Primary v2', steps: put.body.steps })
          .expect(200);
        expect(updated.body).toMatchObject({
          id: put.body.id,
          name: 'Primary v2',
          repeat: 0,
        });
        await request(server)
          .get(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .expect(200);

        const channels = await request(server)
          .get('/api/oncall/channels')
          .expect(200);
        expect(channels.body).toEqual({
          items: [
            {
              id: 'fake',
              title: 'Fake chat',
              capabilities: { warRooms: false },
            },
          ],
        });
        const targets = await request(server)
          .get('/api/oncall/channels/fake/targets?limit=1')
          .expect(200);
        expect(targets.body).toEqual({
          items: [{ id: 'cid-sre', title: 'SRE On-call', available: true }],
          nextCursor: '1',
        });
        const next = await request(server)
          .get('/api/oncall/channels/fake/targets?q=pay&limit=1')
          .expect(200);
        expect(next.body.items[0].id).toBe('cid-pay');
        await request(server)
          .get('/api/oncall/channels/slack/targets')
          .expect(404);
        await request(server)
          .get('/api/oncall/channels/fake/targets?limit=0')
          .expect(400);
        await request(server)
          .delete(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .expect(204);
        await request(server)
          .delete(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .expect(404);
      } finally {
        await backend.stop();
      }
    });
  });
});
