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
import { createBackendModule } from '@backstage/backend-plugin-api';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  oncallChannelsExtensionPoint,
  type OncallChannel,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import request from 'supertest';
import { startOncallBackend } from '../../__testUtils__/backend';
import { FakeChannel } from '../../__testUtils__/FakeChannel';

jest.setTimeout(120_000);

const SERVICE = 'component:default/payments';

function addChannels(...list: OncallChannel[]) {
  return createBackendModule({
    pluginId: 'oncall',
    moduleId: 'more-channels',
    register(reg) {
      reg.registerInit({
        deps: { channels: oncallChannelsExtensionPoint },
        async init({ channels }) {
          for (const c of list) channels.addChannel(c);
        },
      });
    },
  });
}

/** A channel whose records view is reached by a link per incident. */
class RecordsChannel extends FakeChannel {
  readonly asked: Incident[] = [];
  async deliveryLinks({ incident }: { incident: Incident }) {
    this.asked.push(incident);
    return [
      {
        title: 'Operation records',
        url: `/records?reference=${encodeURIComponent(incident.id)}`,
      },
      { title: 'Elsewhere', url: 'https://chat.example.com/r/1' },
      // Never reaches a page: not a web link.
      // eslint-disable-next-line no-script-url -- the link under test must be dropped
      { title: 'Evil', url: 'javascript:alert(1)' },
      { title: 'Other host', url: '//evil.example.com/x' },
    ];
  }
}

/** A channel that cannot answer right now. */
class BrokenChannel extends FakeChannel {
  async deliveryLinks(): Promise<never> {
    throw new Error('records store is down');
  }
}

describe('GET /incidents/:id/deliveries', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'on %p, lists each channel its links to its delivery records, web links only',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const records = new RecordsChannel('records', 'Records chat');
      const { backend, server } = await startOncallBackend(knex, {
        channel: new FakeChannel(),
        features: [addChannels(new BrokenChannel('broken', 'Broken'), records)],
      });
      try {
        const created = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: 'Down', serviceRef: SERVICE })
          .expect(201);
        const id = created.body.id;
        const res = await request(server).get(
          `/api/oncall/incidents/${id}/deliveries`,
        );
        expect(res.status).toBe(200);
        // The plain channel has none, the broken one is left out.
        expect(res.body).toEqual({
          items: [
            {
              channel: 'records',
              channelTitle: 'Records chat',
              title: 'Operation records',
              url: `/records?reference=${encodeURIComponent(id)}`,
            },
            {
              channel: 'records',
              channelTitle: 'Records chat',
              title: 'Elsewhere',
              url: 'https://chat.example.com/r/1',
            },
          ],
        });
        expect(records.asked.map(i => i.id)).toEqual([id]);

        const missing = await request(server).get(
          '/api/oncall/incidents/00000000-0000-4000-8000-000000000000/deliveries',
        );
        expect(missing.status).toBe(404);
      } finally {
        await backend.stop();
      }
    },
  );

  it.each(databases.eachSupportedId())(
    'on %p, needs oncall.incident.read',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server } = await startOncallBackend(knex, {
        deny: true,
      });
      try {
        const res = await request(server).get(
          '/api/oncall/incidents/00000000-0000-4000-8000-000000000000/deliveries',
        );
        expect(res.status).toBe(403);
      } finally {
        await backend.stop();
      }
    },
  );
});
