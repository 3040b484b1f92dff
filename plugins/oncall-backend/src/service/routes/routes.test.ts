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
import { MINUTE } from '../../__testUtils__/harness';
import { SERVICE, SERVICE_PATH } from '../../__testUtils__/pluginFixtures';
import request from 'supertest';
import { startOncallBackend } from '../../__testUtils__/backend';

jest.setTimeout(120_000);

const SP = SERVICE_PATH;

// Webhook management and rules checked against the catalog.
describe('on-call routes of the UI', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('%s', databaseId => {
    async function start(options?: Parameters<typeof startOncallBackend>[1]) {
      const knex = await databases.init(databaseId);
      return startOncallBackend(knex, options);
    }

    it('creates, names, rotates and deletes webhooks; a rotated token stops working at once', async () => {
      const { backend, server: s, clock } = await start();
      try {
        const created = await request(s)
          .post(`/api/oncall/services/${SP}/webhooks`)
          .send({ name: 'prometheus' });
        expect(created.status).toBe(201);
        const { id, token } = created.body;
        const alert = (t: string) =>
          request(s)
            .post('/api/oncall/alerts')
            .set('Authorization', `Bearer ${t}`)
            .send({ title: 'Disk full', alertKey: 'disk' });
        expect((await alert(token)).status).toBe(202);

        const listed = await request(s).get(
          `/api/oncall/services/${SP}/webhooks`,
        );
        expect(listed.body.items).toEqual([
          expect.objectContaining({
            id,
            name: 'prometheus',
            lastUsedAt: new Date(clock.now).toISOString(),
          }),
        ]);
        expect(JSON.stringify(listed.body)).not.toContain(token);

        const renamed = await request(s)
          .patch(`/api/oncall/services/${SP}/webhooks/${id}`)
          .send({ name: 'alertmanager' });
        expect(renamed.status).toBe(200);
        expect(renamed.body.name).toBe('alertmanager');
        expect(
          (
            await request(s)
              .patch(`/api/oncall/services/${SP}/webhooks/${id}`)
              .send({ name: '' })
          ).status,
        ).toBe(400);

        clock.now += MINUTE;
        const rotated = await request(s).post(
          `/api/oncall/services/${SP}/webhooks/${id}/rotate`,
        );
        expect(rotated.status).toBe(200);
        expect(rotated.body).toMatchObject({
          id,
          name: 'alertmanager',
          rotatedAt: new Date(clock.now).toISOString(),
        });
        expect(rotated.body.token).not.toBe(token);
        expect((await alert(token)).status).toBe(401);
        expect((await alert(rotated.body.token)).status).toBe(202);

        expect(
          (
            await request(s).post(
              `/api/oncall/services/${SP}/webhooks/nope/rotate`,
            )
          ).status,
        ).toBe(404);
        expect(
          (await request(s).delete(`/api/oncall/services/${SP}/webhooks/${id}`))
            .status,
        ).toBe(204);
        expect((await alert(rotated.body.token)).status).toBe(401);
      } finally {
        await backend.stop();
      }
    });

    it('refuses webhook changes without oncall.service.manage', async () => {
      const { backend, server: s } = await start({ deny: true });
      try {
        for (const [method, path] of [
          ['post', `/api/oncall/services/${SP}/webhooks/x/rotate`],
          ['patch', `/api/oncall/services/${SP}/webhooks/x`],
        ] as const) {
          const res = await request(s)[method](path).send({ name: 'n' });
          expect([path, res.status]).toEqual([path, 403]);
        }
      } finally {
        await backend.stop();
      }
    });

    it('refuses a rule naming people or groups the catalog does not have, saying which', async () => {
      const { backend, server: s } = await start();
      try {
        const put = (targets: object[]) =>
          request(s)
            .put(`/api/oncall/services/${SP}/rule`)
            .send({ name: 'r', steps: [{ delayMinutes: 0, targets }] });
        const bad = await put([
          { type: 'user', ref: 'user:default/alice' },
          { type: 'user', ref: 'user:default/alcie' },
          { type: 'group', ref: 'group:default/nobody' },
        ]);
        expect(bad.status).toBe(400);
        expect(bad.body.error.message).toBe(
          'Invalid escalation rule: step 1: user:default/alcie is not in the catalog; step 1: group:default/nobody is not in the catalog',
        );
        expect(
          (await request(s).get(`/api/oncall/services/${SP}/rule`)).status,
        ).toBe(404);
        const ok = await put([
          { type: 'user', ref: 'user:default/alice' },
          { type: 'group', ref: 'group:default/sre' },
          { type: 'channel', channel: 'fake', id: 'cid-sre' },
        ]);
        expect([ok.status, ok.body.error?.message]).toEqual([200, undefined]);

        // The overview: the rule, webhooks and open incidents per service.
        await request(s)
          .post(`/api/oncall/services/${SP}/webhooks`)
          .send({ name: 'a' });
        await request(s)
          .post('/api/oncall/incidents')
          .send({ title: 'Down', serviceRef: SERVICE });
        const overview = await request(s).get('/api/oncall/services');
        expect(overview.body.items).toEqual([
          {
            serviceRef: SERVICE,
            rule: { name: 'r', steps: 1, updatedAt: expect.any(String) },
            webhooks: 1,
            openIncidents: 1,
          },
        ]);
      } finally {
        await backend.stop();
      }
    });

    it('refuses a rule for a service the catalog does not have, naming it', async () => {
      const { backend, server: s } = await start();
      try {
        const typo = 'component:default/paymnets';
        const res = await request(s)
          .put(`/api/oncall/services/${encodeURIComponent(typo)}/rule`)
          .send({
            name: 'r',
            steps: [
              {
                delayMinutes: 0,
                targets: [
                  { type: 'user', ref: 'user:default/alice' },
                  { type: 'user', ref: 'user:default/alcie' },
                ],
              },
            ],
          });
        expect([res.status, res.body.error?.message]).toEqual([
          400,
          `Invalid escalation rule: service ${typo} is not in the catalog; step 1: user:default/alcie is not in the catalog`,
        ]);
        expect(
          (
            await request(s).get(
              `/api/oncall/services/${encodeURIComponent(typo)}/rule`,
            )
          ).status,
        ).toBe(404);
      } finally {
        await backend.stop();
      }
    });
  });
});
