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
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { eventually } from './__testUtils__/FakeChannel';
import { MINUTE, T0 } from './__testUtils__/harness';
import {
  alertmanager,
  SERVICE,
  SERVICE_PATH,
} from './__testUtils__/pluginFixtures';

jest.setTimeout(60_000);

// An alert escalated end to end, and the credential and permission checks.
describe('oncall plugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('escalates an Alertmanager alert through a channel and stops on a bound acknowledge', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server, channel, clock, tick } =
        await startOncallBackend(knex);
      try {
        await request(server)
          .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .send({
            name: 'Payments primary',
            steps: [
              {
                delayMinutes: 0,
                targets: [
                  {
                    type: 'channel',
                    channel: 'fake',
                    id: 'cid-sre',
                    title: 'SRE On-call',
                  },
                ],
              },
              {
                delayMinutes: 5,
                targets: [{ type: 'user', ref: 'user:default/bob' }],
              },
              {
                delayMinutes: 30,
                targets: [{ type: 'group', ref: 'group:default/sre' }],
              },
            ],
          })
          .expect(200);
        const hook = await request(server)
          .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .send({ name: 'prometheus' })
          .expect(201);

        const fired = await request(server)
          .post(`/api/oncall/alerts/${hook.body.token}`)
          .set('Authorization', '')
          .send(alertmanager('firing'))
          .expect(202);
        expect(fired.body.results).toEqual([
          {
            incidentId: expect.any(String),
            alertKey: 'fp-1',
            action: 'created',
          },
        ]);
        const id = fired.body.results[0].incidentId;

        await eventually(() => expect(channel.stepsFor(id)).toEqual([1]));
        expect(channel.notifications[0]).toMatchObject({
          incident: {
            title: 'Error rate above 5%',
            severity: 'critical',
            serviceRef: SERVICE,
          },
          targets: [{ channel: 'fake', id: 'cid-sre' }],
        });

        // Nobody acts; five minutes later the scheduled task runs step 2.
        clock.now = T0 + 5 * MINUTE;
        await tick();
        expect(channel.stepsFor(id)).toEqual([1, 2]);
        expect(channel.notifications[1].users).toEqual(['user:default/bob']);

        // bob clicks Acknowledge in the chat; the channel acts as him.
        const acked = await channel.actions!.acknowledge(
          id,
          'user:default/bob',
        );
        expect(acked).toMatchObject({
          status: 'acknowledged',
          acknowledgedBy: 'user:default/bob',
        });
        await eventually(() =>
          expect(channel.updates.map(u => u.change.type)).toEqual([
            'acknowledged',
          ]),
        );
        expect(channel.updates[0].incident.status).toBe('acknowledged');
        await expect(
          channel.actions!.acknowledge(id, 'user:default/carol'),
        ).rejects.toMatchObject({
          name: 'ConflictError',
          message: expect.stringContaining(
            'already acknowledged by user:default/bob',
          ),
        });

        clock.now = T0 + 60 * MINUTE;
        await tick();
        expect(channel.stepsFor(id)).toEqual([1, 2]);

        // The alert clears: Alertmanager sends resolved.
        const resolved = await request(server)
          .post(`/api/oncall/alerts/${hook.body.token}`)
          .send(alertmanager('resolved'))
          .expect(202);
        expect(resolved.body.results[0]).toMatchObject({
          incidentId: id,
          action: 'resolved',
        });
        await eventually(() =>
          expect(channel.updates.map(u => u.change.type)).toEqual([
            'acknowledged',
            'resolved',
          ]),
        );
        expect(channel.updates[1].incident.status).toBe('resolved');
        await expect(
          channel.actions!.acknowledge(id, 'user:default/bob'),
        ).rejects.toMatchObject({
          name: 'ConflictError',
        });

        const detail = await request(server)
          .get(`/api/oncall/incidents/${id}`)
          .expect(200);
        expect(detail.body).toMatchObject({
          status: 'resolved',
          resolvedBy: 'webhook:prometheus',
          responders: ['user:default/bob'],
        });
        expect(detail.body.timeline.map((e: any) => e.type)).toEqual([
          'created',
          'escalation',
          'escalation',
          'notification',
          'escalation',
          'notification',
          'acknowledged',
          'escalation',
          'resolved',
        ]);
        expect(detail.body.timeline[7].message).toBe(
          'Escalation stopped: incident acknowledged',
        );
      } finally {
        await backend.stop();
      }
    });
  });

  it('checks credentials and permissions', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server } = await startOncallBackend(knex, { deny: true });
    try {
      await request(server)
        .get('/api/oncall/health')
        .set('Authorization', mockCredentials.none.header())
        .expect(200, { status: 'ok' });
      await request(server)
        .get('/api/oncall/incidents')
        .set('Authorization', mockCredentials.none.header())
        .expect(401);
      const denied = await request(server)
        .get('/api/oncall/incidents')
        .expect(403);
      expect(denied.body.error.message).toBe(
        'Not allowed: oncall.incident.read',
      );
      await request(server)
        .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
        .send({})
        .expect(403);
      await request(server)
        .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
        .send({ name: 'x', steps: [] })
        .expect(403);
      await request(server)
        .get('/api/oncall/me/incidents')
        .set('Authorization', mockCredentials.service.header())
        .expect(403);
    } finally {
      await backend.stop();
    }
  });
});
