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
import { eventually } from './__testUtils__/FakeChannel';

jest.setTimeout(180_000);

const SERVICE_PATH = encodeURIComponent('component:default/checkout');

async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

describe('alert storm', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'takes 1,000 alerts over HTTP and lists every incident, on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server, channel } = await startOncallBackend(knex);
      try {
        await request(server)
          .put(`/api/oncall/services/${SERVICE_PATH}/rule`)
          .send({
            name: 'Checkout',
            steps: [
              {
                delayMinutes: 0,
                targets: [{ type: 'channel', channel: 'fake', id: 'cid-sre' }],
              },
            ],
          })
          .expect(200);
        const { body: hook } = await request(server)
          .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
          .send({ name: 'alertmanager' })
          .expect(201);

        const statuses: number[] = [];
        await inParallel(
          Array.from({ length: 1000 }, (_, i) => i),
          16,
          async i => {
            const res = await request(server)
              .post(`/api/oncall/alerts/${hook.token}`)
              .send({
                version: '4',
                alerts: [
                  {
                    status: 'firing',
                    labels: { alertname: `Storm${i}`, instance: `host-${i}` },
                    annotations: { summary: `Storm alert ${i}` },
                    fingerprint: `storm-${i}`,
                  },
                ],
              });
            statuses.push(res.status);
          },
        );
        expect(statuses.filter(s => s !== 202)).toEqual([]);

        const titles = new Set<string>();
        for (let offset = 0; ; offset += 500) {
          const page = await request(server)
            .get(
              `/api/oncall/incidents?serviceRef=${SERVICE_PATH}&limit=500&offset=${offset}`,
            )
            .expect(200);
          expect(page.body.totalCount).toBe(1000);
          page.body.items.forEach((i: any) => titles.add(i.title));
          if (page.body.items.length < 500) break;
        }
        expect(titles.size).toBe(1000);

        // Each incident's first step reached the channel exactly once.
        await eventually(
          () => expect(channel.notifications).toHaveLength(1000),
          60_000,
        );
        expect(
          new Set(channel.notifications.map(n => n.incident.id)).size,
        ).toBe(1000);

        // The same alert arriving 20 times at once is one incident.
        await Promise.all(
          Array.from({ length: 20 }, () =>
            request(server)
              .post(`/api/oncall/alerts/${hook.token}`)
              .send({
                title: 'Same alert',
                alertKey: 'dup',
                severity: 'critical',
              })
              .expect(202),
          ),
        );
        const dup = await request(server)
          .get('/api/oncall/incidents?alertKey=dup')
          .expect(200);
        expect(dup.body.totalCount).toBe(1);
        expect(dup.body.items[0].alertCount).toBe(20);
      } finally {
        await backend.stop();
      }
    },
  );
});
