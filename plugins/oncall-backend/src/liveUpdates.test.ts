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
import { ONCALL_INCIDENT_SIGNAL_CHANNEL } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import signalsPlugin from '@backstage/plugin-signals-backend';
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { SignalsSubscriber } from './__testUtils__/signals';

jest.setTimeout(60_000);

// The real signals backend and events service (the test backend's default
// events mock does not cross plugins).
const LIVE = [signalsPlugin, eventsServiceFactory];

const SERVICE = 'component:default/payments';
const SERVICE_PATH = encodeURIComponent(SERVICE);

describe('live updates through Backstage signals', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('announces every incident change on oncall:incident: API, channel click, escalation step', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server, channel, tick } = await startOncallBackend(
        knex,
        { features: LIVE },
      );
      const browser = await SignalsSubscriber.connect(
        server,
        ONCALL_INCIDENT_SIGNAL_CHANNEL,
        mockCredentials.user.token(),
      );
      let releasePage!: () => void;
      const pageReleased = new Promise<void>(r => (releasePage = r));
      const notify = channel.notify.bind(channel);
      channel.notify = async req => {
        await pageReleased;
        return notify(req);
      };
      try {
        await request(server)
          .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .send({
            name: 'Payments',
            steps: [
              {
                delayMinutes: 0,
                targets: [
                  {
                    type: 'channel',
                    channel: 'fake',
                    id: 'cid-sre',
                    title: 'SRE',
                  },
                ],
              },
            ],
          })
          .expect(200);

        // Created through the API.
        const created = await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Checkout down',
            severity: 'critical',
            serviceRef: SERVICE,
          })
          .expect(201);
        const id: string = created.body.id;
        const first = await browser.waitFor(
          m => m.incidentId === id && m.status === 'triggered',
        );
        // Only a nudge: the page refetches the incident through the API.
        expect(first.message).toEqual({
          incidentId: id,
          serviceRef: SERVICE,
          status: 'triggered',
          updatedAt: expect.any(String),
        });

        // The escalation engine pages the group: a timeline-only change.
        // Creating the incident kicks the engine in the background, so the
        // page is held until the creation's signals have all arrived; what
        // arrives after its release is the page's.
        await browser.quiet(300);
        const before = browser.messages.length;
        releasePage();
        await tick();
        await browser.waitFor(() => browser.messages.length > before);

        // Acknowledged from the chat (a card click reaches the host like this).
        const clickedAt = Date.now();
        await channel.actions!.acknowledge(id, 'user:default/bob');
        const acked = await browser.waitFor(
          m => m.incidentId === id && m.status === 'acknowledged',
        );
        expect(acked.at - clickedAt).toBeLessThan(1000);

        // Resolved through the API: the last signal reads the final state.
        await request(server)
          .post(`/api/oncall/incidents/${encodeURIComponent(id)}/resolve`)
          .send({})
          .expect(200);
        await browser.waitFor(
          m => m.incidentId === id && m.status === 'resolved',
        );
      } finally {
        browser.close();
        await backend.stop();
      }
    });

    it('does not announce a change that was refused', async () => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startOncallBackend(knex, {
        features: LIVE,
      });
      const browser = await SignalsSubscriber.connect(
        server,
        ONCALL_INCIDENT_SIGNAL_CHANNEL,
        mockCredentials.user.token(),
      );
      try {
        const created = await request(server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Disk full',
            severity: 'warning',
            serviceRef: SERVICE,
          })
          .expect(201);
        const id: string = created.body.id;
        const path = `/api/oncall/incidents/${encodeURIComponent(id)}`;
        await request(server).post(`${path}/resolve`).send({}).expect(200);
        await browser.waitFor(
          m => m.incidentId === id && m.status === 'resolved',
        );
        const count = browser.messages.length;
        // Already resolved: 409, nothing written, nothing announced.
        await request(server).post(`${path}/acknowledge`).send({}).expect(409);
        // A later change on another incident is announced, and nothing for
        // the refused one arrived before it.
        const other = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: 'Other', severity: 'info', serviceRef: SERVICE })
          .expect(201);
        await browser.waitFor(m => m.incidentId === other.body.id);
        expect(
          browser.messages
            .slice(count)
            .filter(m => m.message.incidentId === id),
        ).toEqual([]);
      } finally {
        browser.close();
        await backend.stop();
      }
    });
  });
});
