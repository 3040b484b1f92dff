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
import { FakeChannel } from '../../__testUtils__/FakeChannel';
import { MINUTE } from '../../__testUtils__/harness';
import { asUser, secondChannel } from '../../__testUtils__/routesTest';
import { SERVICE, SERVICE_PATH } from '../../__testUtils__/pluginFixtures';
import request from 'supertest';
import { startOncallBackend } from '../../__testUtils__/backend';

jest.setTimeout(120_000);

const SP = SERVICE_PATH;

// Where an escalation is, and whom each step reaches on which channel.
describe('on-call routes of the UI', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('%s', databaseId => {
    async function start(options?: Parameters<typeof startOncallBackend>[1]) {
      const knex = await databases.init(databaseId);
      return startOncallBackend(knex, options);
    }

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
              .set('Authorization', asUser('bob'))
          ).body,
        ).toEqual({ channels: {} });
        await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', asUser('bob'))
          .send({ channels: { first: { direct: false } } })
          .expect(200);
        await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', asUser('carol'))
          .send({
            channels: {},
            pausedUntil: new Date(clock.now + 60 * MINUTE).toISOString(),
          })
          .expect(200);
        const invalid = await request(s)
          .put('/api/oncall/me/notification-preferences')
          .set('Authorization', asUser('bob'))
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
