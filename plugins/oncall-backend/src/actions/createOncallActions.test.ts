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
import { startOncallBackend } from '../__testUtils__/backend';

const config = { backend: { actions: { pluginSources: ['oncall'] } } };

/** Invokes an action the way the actions service (and so MCP) does: over the plugin's actions endpoint. */
const invoke = (server: any, id: string, input: object) =>
  request(server)
    .post(
      `/api/oncall/.backstage/actions/v1/actions/${encodeURIComponent(
        id,
      )}/invoke`,
    )
    .send(input);

describe('on-call actions in the actions registry', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('acknowledges and resolves an incident as the caller, like the REST API, and refuses callers without oncall.incident.update', async () => {
      const knex = await databases.init(databaseId);
      const allowed = await startOncallBackend(knex, { config });
      let id: string;
      try {
        const listed = await request(allowed.server)
          .get('/api/oncall/.backstage/actions/v1/actions')
          .expect(200);
        expect(listed.body.actions.map((a: any) => a.id).sort()).toEqual([
          'oncall:acknowledge-incident',
          'oncall:resolve-incident',
        ]);
        const created = await request(allowed.server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Checkout slow',
            severity: 'critical',
            serviceRef: 'Component:payments',
          })
          .expect(201);
        id = created.body.id;

        // Without the permission: refused, nothing changes.
        const denied = await startOncallBackend(knex, { config, deny: true });
        try {
          for (const action of [
            'oncall:acknowledge-incident',
            'oncall:resolve-incident',
          ]) {
            const res = await invoke(denied.server, action, { incidentId: id });
            expect({
              action,
              status: res.status,
              name: res.body.error?.name,
            }).toEqual({
              action,
              status: 403,
              name: 'NotAllowedError',
            });
            expect(res.body.error.message).toContain('oncall.incident.update');
          }
        } finally {
          await denied.backend.stop();
        }
        expect(
          (await request(allowed.server).get(`/api/oncall/incidents/${id}`))
            .body.status,
        ).toBe('triggered');

        const acked = await invoke(
          allowed.server,
          'oncall:acknowledge-incident',
          {
            incidentId: id,
            note: 'looking',
          },
        ).expect(200);
        expect(acked.body.output.incident).toMatchObject({
          id,
          status: 'acknowledged',
          acknowledgedBy: 'user:default/mock',
        });
        // the same transition rules as the API: not twice
        await invoke(allowed.server, 'oncall:acknowledge-incident', {
          incidentId: id,
        }).expect(409);

        const resolved = await invoke(
          allowed.server,
          'oncall:resolve-incident',
          {
            incidentId: id,
          },
        ).expect(200);
        expect(resolved.body.output.incident).toMatchObject({
          status: 'resolved',
          resolvedBy: 'user:default/mock',
        });
        const timeline = (
          await request(allowed.server).get(`/api/oncall/incidents/${id}`)
        ).body.timeline.map((t: any) => t.message);
        expect(timeline).toEqual(
          expect.arrayContaining([
            'Acknowledged by user:default/mock: looking',
            'Resolved by user:default/mock',
          ]),
        );
      } finally {
        await allowed.backend.stop();
      }
    }, 30_000);
  });
});
