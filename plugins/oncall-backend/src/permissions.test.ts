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
  AuditorService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { TestPolicy } from './__testUtils__/policy';

const SERVICE = 'component:default/payments';
const SP = encodeURIComponent(SERVICE);
const READER = 'user:default/reader';
const as = (ref: string) => mockCredentials.user.header(ref);

type AuditRecord = {
  eventId: string;
  meta?: Record<string, unknown>;
  outcome?: 'success' | 'failure';
};

/** An auditor that keeps its events, to see what an audit trail would say. */
function recordingAuditor(events: AuditRecord[]) {
  return createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory(): AuditorService {
      return {
        async createEvent(options) {
          const record: AuditRecord = {
            eventId: options.eventId,
            meta: options.meta as Record<string, unknown>,
          };
          events.push(record);
          return {
            async success() {
              record.outcome = 'success';
            },
            async fail() {
              record.outcome = 'failure';
            },
          };
        },
      };
    },
  });
}

describe('oncall backend with a real permission policy', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const policy = new TestPolicy({
    admins: ['user:default/alice'],
    responders: ['user:default/bob'],
  });

  it('refuses a read-only user every change over HTTP, and lets the policy decide incident updates by rule', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server: s } = await startOncallBackend(knex, { policy });
    try {
      const alice = as('user:default/alice');
      const created = await request(s)
        .post('/api/oncall/incidents')
        .set('authorization', alice)
        .send({ title: 'Payments down', serviceRef: SERVICE })
        .expect(201);
      const id = created.body.id;
      const other = (
        await request(s)
          .post('/api/oncall/incidents')
          .set('authorization', alice)
          .send({ title: 'Payments slow', serviceRef: SERVICE })
          .expect(201)
      ).body.id;
      const hook = await request(s)
        .post(`/api/oncall/services/${SP}/webhooks`)
        .set('authorization', alice)
        .send({ name: 'prometheus' })
        .expect(201);
      await request(s)
        .put(`/api/oncall/services/${SP}/rule`)
        .set('authorization', alice)
        .send({
          name: 'Payments',
          steps: [
            {
              delayMinutes: 60,
              targets: [{ type: 'user', ref: 'user:default/alice' }],
            },
          ],
        })
        .expect(200);
      const before = (
        await request(s)
          .get(`/api/oncall/incidents/${id}`)
          .set('authorization', as(READER))
          .expect(200)
      ).body;

      const routes: Array<[string, string, object?]> = [
        ['post', '/api/oncall/incidents', { title: 't', serviceRef: SERVICE }],
        ['post', `/api/oncall/incidents/${id}/acknowledge`, {}],
        ['post', `/api/oncall/incidents/${id}/resolve`, {}],
        ['post', `/api/oncall/incidents/${id}/snooze`, { minutes: 30 }],
        ['post', `/api/oncall/incidents/${id}/comment`, { text: 'hi' }],
        ['post', `/api/oncall/incidents/${id}/reassign`, { assignee: READER }],
        ['put', `/api/oncall/services/${SP}/rule`, { name: 'x', steps: [] }],
        ['delete', `/api/oncall/services/${SP}/rule`],
        ['get', `/api/oncall/services/${SP}/webhooks`],
        ['post', `/api/oncall/services/${SP}/webhooks`, { name: 'mine' }],
        ['delete', `/api/oncall/services/${SP}/webhooks/${hook.body.id}`],
      ];
      const seen: string[] = [];
      for (const [method, url, body] of routes) {
        const res = await (request(s) as any)
          [method](url)
          .set('authorization', as(READER))
          .send(body);
        seen.push(`${method} ${url} ${res.status}`);
        expect(res.body.error?.message).toMatch(/^Not allowed: oncall\./);
      }
      expect(seen).toEqual(routes.map(([m, u]) => `${m} ${u} 403`));

      // Nothing changed: the incident, the rule and the webhook are as they were.
      const after = (
        await request(s)
          .get(`/api/oncall/incidents/${id}`)
          .set('authorization', as(READER))
          .expect(200)
      ).body;
      expect(after).toEqual(before);
      expect(
        (
          await request(s)
            .get(`/api/oncall/services/${SP}/webhooks`)
            .set('authorization', alice)
            .expect(200)
        ).body.items.map((w: any) => w.id),
      ).toEqual([hook.body.id]);
      await request(s)
        .get(`/api/oncall/services/${SP}/rule`)
        .set('authorization', as(READER))
        .expect(200);

      // bob's policy is conditional: he may update incidents he responds to.
      const bob = as('user:default/bob');
      const notYet = await request(s)
        .post(`/api/oncall/incidents/${id}/acknowledge`)
        .set('authorization', bob)
        .send({});
      expect(notYet.status).toBe(403);
      expect(notYet.body.error.message).toContain(
        `oncall.incident.update on incident ${id}`,
      );
      await request(s)
        .post(`/api/oncall/incidents/${id}/reassign`)
        .set('authorization', alice)
        .send({ assignee: 'user:default/bob' })
        .expect(200);
      const acked = await request(s)
        .post(`/api/oncall/incidents/${id}/acknowledge`)
        .set('authorization', bob)
        .send({})
        .expect(200);
      expect(acked.body).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'user:default/bob',
      });
      await request(s)
        .post(`/api/oncall/incidents/${other}/resolve`)
        .set('authorization', bob)
        .send({})
        .expect(403);
      // an incident that does not exist matches no rule
      await request(s)
        .post(`/api/oncall/incidents/no-such-incident/resolve`)
        .set('authorization', bob)
        .send({})
        .expect(403);
      await request(s)
        .post(`/api/oncall/incidents/${other}/resolve`)
        .set('authorization', alice)
        .send({})
        .expect(200);
    } finally {
      await backend.stop();
    }
  }, 60_000);

  it('lets a channel act for a person only when they respond to the incident, own its service or are in an allowed group', async () => {
    const knex = await databases.init('SQLITE_3');
    const events: AuditRecord[] = [];
    const {
      backend,
      server: s,
      channel,
    } = await startOncallBackend(knex, {
      policy,
      config: {
        oncall: { channelActions: { allowedGroups: ['group:default/leads'] } },
      },
      features: [recordingAuditor(events)],
    });
    try {
      const alice = as('user:default/alice');
      const id = (
        await request(s)
          .post('/api/oncall/incidents')
          .set('authorization', alice)
          .send({ title: 'Payments down', serviceRef: SERVICE })
          .expect(201)
      ).body.id;
      const actions = channel.actions!;

      // reader has a linked chat account but no business with this incident
      await expect(actions.acknowledge(id, READER)).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(
          /^You may not acknowledge this incident: user:default\/reader is not a responder of this incident, not in the owners of component:default\/payments \(group:default\/sre\).*Nothing was changed\.$/,
        ),
      });
      await expect(actions.resolve(id, READER)).rejects.toMatchObject({
        name: 'NotAllowedError',
      });
      const refused = (
        await request(s)
          .get(`/api/oncall/incidents/${id}`)
          .set('authorization', alice)
          .expect(200)
      ).body;
      expect(refused.status).toBe('triggered');
      const attempts = refused.timeline.filter(
        (t: any) => t.type === 'channel',
      );
      expect(attempts).toEqual([
        expect.objectContaining({
          actor: READER,
          message: expect.stringContaining(
            `${READER} tried to acknowledge the incident via Fake chat: refused`,
          ),
          data: expect.objectContaining({
            channel: 'fake',
            action: 'acknowledge',
            refused: true,
          }),
        }),
        expect.objectContaining({
          actor: READER,
          data: expect.objectContaining({ action: 'resolve', refused: true }),
        }),
      ]);

      // carol is in sre, which owns payments; dave is in an allowed group
      await expect(
        actions.snooze(id, 'user:default/carol', 30),
      ).resolves.toMatchObject({ snoozedUntil: expect.any(String) });
      await expect(
        actions.comment(id, 'user:default/dave', 'looking'),
      ).resolves.toMatchObject({ id });
      // once assigned, reader responds to it and may act
      await request(s)
        .post(`/api/oncall/incidents/${id}/reassign`)
        .set('authorization', alice)
        .send({ assignee: READER })
        .expect(200);
      await expect(actions.acknowledge(id, READER)).resolves.toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: READER,
      });

      // The audit trail names the person and the channel, refused or not.
      const channelEvents = events
        .filter(e => e.meta?.channel === 'fake')
        .map(e => [e.meta?.actionType, e.meta?.actor, e.meta?.via, e.outcome]);
      expect(channelEvents).toEqual([
        ['acknowledge', READER, 'Fake chat', 'failure'],
        ['resolve', READER, 'Fake chat', 'failure'],
        ['snooze', 'user:default/carol', 'Fake chat', 'success'],
        ['comment', 'user:default/dave', 'Fake chat', 'success'],
        ['acknowledge', READER, 'Fake chat', 'success'],
      ]);
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
