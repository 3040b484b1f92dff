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

jest.setTimeout(60_000);

const SERVICE = 'component:default/payments';
const SERVICE_PATH = encodeURIComponent(SERVICE);

const alertmanager = (status: 'firing' | 'resolved', fingerprint = 'fp-1') => ({
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate"}',
  status,
  receiver: 'oncall',
  commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
  alerts: [
    {
      status,
      labels: {
        alertname: 'HighErrorRate',
        severity: 'critical',
        service: 'payments',
      },
      annotations: {
        summary: 'Error rate above 5%',
        description: 'payments-api 5xx at 7%',
      },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint,
    },
  ],
});

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

    it('ingests documented JSON events, merges by alert key and rejects bad input cleanly', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startOncallBackend(knex);
      try {
        const hook = await request(server)
          .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .send({})
          .expect(201);
        const url = `/api/oncall/alerts/${hook.body.token}`;
        const event = {
          title: 'Queue lag high',
          severity: 'warning',
          alertKey: 'queue-lag',
          labels: { queue: 'orders' },
        };
        const first = await request(server).post(url).send(event).expect(202);
        const second = await request(server).post(url).send(event).expect(202);
        expect(first.body.results[0].action).toBe('created');
        expect(second.body.results[0]).toEqual({
          incidentId: first.body.results[0].incidentId,
          alertKey: 'queue-lag',
          action: 'merged',
        });
        const incident = await request(server)
          .get(`/api/oncall/incidents/${first.body.results[0].incidentId}`)
          .expect(200);
        expect(incident.body).toMatchObject({
          alertCount: 2,
          labels: { queue: 'orders' },
          status: 'triggered',
        });

        // Bearer form of the same token.
        const viaHeader = await request(server)
          .post('/api/oncall/alerts')
          .set('Authorization', `Bearer ${hook.body.token}`)
          .send({ ...event, status: 'resolved' })
          .expect(202);
        expect(viaHeader.body.results[0].action).toBe('resolved');
        const again = await request(server).post(url).send(event).expect(202);
        expect(again.body.results[0].action).toBe('created');
        expect(again.body.results[0].incidentId).not.toBe(
          first.body.results[0].incidentId,
        );
        const unknown = await request(server)
          .post(url)
          .send({ title: 'x', alertKey: 'never-seen', status: 'resolved' })
          .expect(202);
        expect(unknown.body.results[0].action).toBe('ignored');

        const count = async () =>
          (await request(server).get('/api/oncall/incidents').expect(200)).body
            .totalCount;
        const before = await count();

        const bad = await request(server)
          .post(url)
          .send({ severity: 'disaster', labels: { a: 1 } })
          .expect(400);
        expect(bad.body.error.name).toBe('InputError');
        expect(bad.body.error.message).toContain('title: is required');
        expect(bad.body.error.message).toContain(
          'severity: must be one of critical, warning, info',
        );
        expect(bad.body.error.message).toContain('labels.a');

        // One bad alert in a batch: nothing of the batch is written.
        const batch = alertmanager('firing', 'fp-good');
        batch.alerts.push({
          ...batch.alerts[0],
          status: 'exploded' as any,
          fingerprint: 'fp-bad',
        });
        const badBatch = await request(server)
          .post(url)
          .send(batch)
          .expect(400);
        expect(badBatch.body.error.message).toContain('alerts.1.status');
        const badVersion = await request(server)
          .post(url)
          .send({ ...alertmanager('firing'), version: '3' })
          .expect(400);
        expect(badVersion.body.error.message).toContain('version: must be "4"');
        await request(server)
          .post(url)
          .set('Content-Type', 'application/json')
          .send('{"title": ')
          .expect(400);
        await request(server)
          .post(url)
          .send('"just a string"')
          .set('Content-Type', 'application/json')
          .expect(400);
        await request(server)
          .post(url)
          .send({ title: 'x'.repeat(10), description: 'y'.repeat(1_100_000) })
          .expect(413);

        const wrong = await request(server)
          .post('/api/oncall/alerts/ocw_wrong')
          .send(event)
          .expect(401);
        expect(wrong.body.error.message).toBe(
          'Unknown or revoked webhook token',
        );
        await request(server)
          .post('/api/oncall/alerts')
          .send(event)
          .expect(401);

        expect(await count()).toBe(before);

        // Revoked tokens stop working; listings never show tokens.
        const list = await request(server)
          .get(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .expect(200);
        expect(list.body.items).toHaveLength(1);
        expect(JSON.stringify(list.body)).not.toContain(hook.body.token);
        expect(list.body.items[0]).toMatchObject({
          name: 'default',
          tokenPrefix: hook.body.token.slice(0, 8),
        });
        await request(server)
          .delete(
            `/api/oncall/services/${SERVICE_PATH}/webhooks/${hook.body.id}`,
          )
          .expect(204);
        await request(server).post(url).send(event).expect(401);
        const stored = await knex('oncall_webhooks').select();
        expect(JSON.stringify(stored)).not.toContain(hook.body.token);
      } finally {
        await backend.stop();
      }
    });

    it('serves the incident API with its state machine', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server, channel, clock } = await startOncallBackend(
        knex,
      );
      try {
        const created = await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Checkout slow',
            severity: 'critical',
            serviceRef: 'Component:payments',
            labels: { region: 'cn-hz' },
          })
          .expect(201);
        expect(created.body).toMatchObject({
          status: 'triggered',
          serviceRef: SERVICE,
          severity: 'critical',
          alertCount: 1,
          createdAt: new Date(T0).toISOString(),
        });
        const id = created.body.id;
        await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Low disk',
            severity: 'info',
            serviceRef: 'component:default/search',
          })
          .expect(201);
        const invalid = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: '', serviceRef: 'not a ref', extra: 1 })
          .expect(400);
        expect(invalid.body.error.message).toMatch(
          /title: must not be empty.*serviceRef: must be an entity ref/,
        );

        const filtered = await request(server)
          .get('/api/oncall/incidents')
          .query({
            severity: 'critical,warning',
            status: 'triggered',
            serviceRef: SERVICE,
          })
          .expect(200);
        expect(filtered.body.totalCount).toBe(1);
        expect(filtered.body.items[0].id).toBe(id);
        const searched = await request(server)
          .get('/api/oncall/incidents?q=DISK')
          .expect(200);
        expect(searched.body.items.map((i: any) => i.title)).toEqual([
          'Low disk',
        ]);
        await request(server)
          .get('/api/oncall/incidents?status=open')
          .expect(400);
        await request(server)
          .get('/api/oncall/incidents?limit=5000')
          .expect(400);
        await request(server)
          .get('/api/oncall/incidents/does-not-exist')
          .expect(404);

        clock.now = T0 + MINUTE;
        await request(server)
          .post(`/api/oncall/incidents/${id}/snooze`)
          .send({ minutes: 0 })
          .expect(400);
        const snoozed = await request(server)
          .post(`/api/oncall/incidents/${id}/snooze`)
          .send({ minutes: 30 })
          .expect(200);
        expect(snoozed.body.snoozedUntil).toBe(
          new Date(T0 + 31 * MINUTE).toISOString(),
        );
        const reassigned = await request(server)
          .post(`/api/oncall/incidents/${id}/reassign`)
          .send({ assignee: 'user:default/carol' })
          .expect(200);
        expect(reassigned.body).toMatchObject({
          assignee: 'user:default/carol',
          responders: ['user:default/carol'],
        });
        await eventually(() =>
          expect(channel.notifications.find(n => n.step === 0)?.users).toEqual([
            'user:default/carol',
          ]),
        );
        await request(server)
          .post(`/api/oncall/incidents/${id}/reassign`)
          .send({ assignee: 'group:default/sre' })
          .expect(400);
        await request(server)
          .post(`/api/oncall/incidents/${id}/comment`)
          .send({ text: '  ' })
          .expect(400);
        await request(server)
          .post(`/api/oncall/incidents/${id}/comment`)
          .send({ text: 'Rolling back' })
          .expect(200);
        const acked = await request(server)
          .post(`/api/oncall/incidents/${id}/acknowledge`)
          .send({})
          .expect(200);
        expect(acked.body).toMatchObject({
          status: 'acknowledged',
          acknowledgedBy: 'user:default/mock',
        });
        const twice = await request(server)
          .post(`/api/oncall/incidents/${id}/acknowledge`)
          .expect(409);
        expect(twice.body.error.message).toContain(
          'already acknowledged by user:default/mock',
        );

        const mine = await request(server)
          .get('/api/oncall/me/incidents')
          .expect(200);
        expect(mine.body.items.map((i: any) => i.id)).toEqual([id]);

        await request(server)
          .post(`/api/oncall/incidents/${id}/resolve`)
          .send({ note: 'rolled back' })
          .expect(200);
        const resolvedTwice = await request(server)
          .post(`/api/oncall/incidents/${id}/resolve`)
          .expect(409);
        expect(resolvedTwice.body.error.name).toBe('ConflictError');
        await request(server)
          .post(`/api/oncall/incidents/${id}/snooze`)
          .send({ minutes: 5 })
          .expect(409);
        await request(server)
          .post(`/api/oncall/incidents/missing/acknowledge`)
          .expect(404);
        expect(
          (await request(server).get('/api/oncall/me/incidents').expect(200))
            .body.items,
        ).toEqual([]);

        await eventually(() =>
          expect(channel.updates.map(u => u.change.type)).toEqual([
            'snoozed',
            'reassigned',
            'commented',
            'acknowledged',
            'resolved',
          ]),
        );
        expect(channel.updates[2].change).toMatchObject({
          actor: 'user:default/mock',
          data: { text: 'Rolling back' },
        });

        const detail = await request(server)
          .get(`/api/oncall/incidents/${id}`)
          .expect(200);
        expect(detail.body.timeline.map((e: any) => e.type)).toEqual(
          expect.arrayContaining([
            'snoozed',
            'reassigned',
            'notification',
            'comment',
            'acknowledged',
            'resolved',
          ]),
        );
      } finally {
        await backend.stop();
      }
    });

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
