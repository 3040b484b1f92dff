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
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  oncallChannelsExtensionPoint,
  type OncallWarRooms,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import request from 'supertest';
import { startOncallBackend } from '../../__testUtils__/backend';
import { FakeChannel } from '../../__testUtils__/FakeChannel';
import { MINUTE } from '../../__testUtils__/harness';

jest.setTimeout(120_000);

const SERVICE = 'component:default/payments';
const SP = encodeURIComponent(SERVICE);
const as = (user: string) =>
  mockCredentials.user.header(`user:default/${user}`);

/** A second channel, registered like any channel module. */
function secondChannel(channel: FakeChannel) {
  return createBackendModule({
    pluginId: 'oncall',
    moduleId: `channel-${channel.id}`,
    register(reg) {
      reg.registerInit({
        deps: { channels: oncallChannelsExtensionPoint },
        async init({ channels }) {
          channels.addChannel(channel);
        },
      });
    },
  });
}

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

    it('opens a war room through the channel that has them, for people only', async () => {
      const plain = new FakeChannel();
      const rooms: FakeChannel & { warRooms?: OncallWarRooms } =
        new FakeChannel('rooms', 'Rooms chat');
      const asked: Parameters<OncallWarRooms['create']>[0][] = [];
      rooms.warRooms = {
        async create(req) {
          asked.push(req);
          return { id: 'room-1', title: `War room: ${req.incident.title}` };
        },
      };
      const { backend, server: s } = await start({
        channel: plain,
        features: [secondChannel(rooms)],
      });
      try {
        const channels = await request(s).get('/api/oncall/channels');
        expect(channels.body.items).toEqual([
          { id: 'fake', title: 'Fake chat', capabilities: { warRooms: false } },
          {
            id: 'rooms',
            title: 'Rooms chat',
            capabilities: { warRooms: true },
          },
        ]);
        const incident = await request(s)
          .post('/api/oncall/incidents')
          .send({ title: 'Down', serviceRef: SERVICE });
        const id = incident.body.id;
        await request(s)
          .post(`/api/oncall/incidents/${id}/reassign`)
          .send({ assignee: 'user:default/bob' });
        const room = await request(s)
          .post(`/api/oncall/incidents/${id}/war-room`)
          .set('Authorization', as('alice'))
          .send({ channel: 'rooms' });
        expect(room.status).toBe(201);
        expect(room.body).toEqual({
          channel: 'rooms',
          id: 'room-1',
          title: 'War room: Down',
        });
        expect(asked[0].requestedBy).toBe('user:default/alice');
        expect(asked[0].memberRefs).toContain('user:default/bob');
        expect(asked[0].memberRefs).not.toContain('user:default/alice');

        const noRooms = await request(s)
          .post(`/api/oncall/incidents/${id}/war-room`)
          .set('Authorization', as('alice'))
          .send({ channel: 'fake' });
        expect(noRooms.status).toBe(400);
        expect(noRooms.body.error.message).toBe('Fake chat has no war rooms');
        const unknown = await request(s)
          .post(`/api/oncall/incidents/${id}/war-room`)
          .set('Authorization', as('alice'))
          .send({ channel: 'nope' });
        expect(unknown.status).toBe(404);
        const service = await request(s)
          .post(`/api/oncall/incidents/${id}/war-room`)
          .set('Authorization', mockCredentials.service.header())
          .send({ channel: 'rooms' });
        expect(service.status).toBe(403);
        expect(asked).toHaveLength(1);
      } finally {
        await backend.stop();
      }
    });

    it('says where an escalation is: the step that ran and when the next is due', async () => {
      const { backend, server: s, clock, tick } = await start();
      try {
        await request(s)
          .put(`/api/oncall/services/${SP}/rule`)
          .send({
            name: 'payments',
            steps: [
              {
                delayMinutes: 0,
                targets: [{ type: 'user', ref: 'user:default/alice' }],
              },
              {
                delayMinutes: 5,
                targets: [{ type: 'user', ref: 'user:default/bob' }],
              },
            ],
          })
          .expect(200);
        const incident = await request(s)
          .post('/api/oncall/incidents')
          .send({ title: 'Down', serviceRef: SERVICE });
        await tick();
        const progress = await request(s).get(
          `/api/oncall/incidents/${incident.body.id}/escalation`,
        );
        expect(progress.body).toEqual({
          state: 'active',
          ruleName: 'payments',
          totalSteps: 2,
          lastStep: 1,
          round: 0,
          repeat: 0,
          nextStep: 2,
          nextStepDueAt: new Date(clock.now + 5 * MINUTE).toISOString(),
        });
        const none = await request(s).get(
          '/api/oncall/incidents/nope/escalation',
        );
        expect(none.status).toBe(404);
      } finally {
        await backend.stop();
      }
    });

    it('keeps each person to one channel per step, as their preferences choose; a paused person gets no direct message but the group does', async () => {
      const first = new FakeChannel('first', 'First chat');
      const second = new FakeChannel('second', 'Second chat');
      const {
        backend,
        server: s,
        tick,
        clock,
      } = await start({
        channel: first,
        features: [secondChannel(second)],
      });
      try {
        expect(
          (
            await request(s)
              .get('/api/oncall/me/notification-preferences')
              .set('Authorization', as('bob'))
          ).body,
        ).toEqual({ channels: {} });
        await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', as('bob'))
          .send({ channels: { first: { direct: false } } })
          .expect(200);
        await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', as('carol'))
          .send({
            channels: {},
            pausedUntil: new Date(clock.now + 60 * MINUTE).toISOString(),
          })
          .expect(200);
        const invalid = await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', as('bob'))
          .send({ channels: { first: { direct: 'no' } } });
        expect(invalid.status).toBe(400);
        const service = await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', mockCredentials.service.header())
          .send({ channels: {} });
        expect(service.status).toBe(403);

        await request(s)
          .put(`/api/oncall/services/${SP}/rule`)
          .send({
            name: 'payments',
            steps: [
              {
                delayMinutes: 0,
                targets: [
                  { type: 'user', ref: 'user:default/alice' },
                  { type: 'group', ref: 'group:default/sre' },
                  { type: 'channel', channel: 'first', id: 'cid-sre' },
                ],
              },
            ],
          })
          .expect(200);
        const incident = await request(s)
          .post('/api/oncall/incidents')
          .send({ title: 'Down', serviceRef: SERVICE });
        await tick();
        const [toFirst] = first.notifications;
        const [toSecond] = second.notifications;
        // alice chose nothing: the first channel only, not both.
        expect(toFirst.users).toEqual(['user:default/alice']);
        expect(toFirst.targets.map(t => t.id)).toEqual(['cid-sre']);
        // bob switched the first channel off: the second reaches him.
        expect(toSecond.users).toEqual(['user:default/bob']);
        // carol paused: nobody messages her, the timeline says why.
        const detail = await request(s).get(
          `/api/oncall/incidents/${incident.body.id}`,
        );
        expect(
          detail.body.timeline.find(
            (t: any) =>
              t.data?.user === 'user:default/carol' &&
              t.data?.outcome === 'skipped',
          )?.message,
        ).toContain('paused direct messages until');
      } finally {
        await backend.stop();
      }
    });
  });
});
