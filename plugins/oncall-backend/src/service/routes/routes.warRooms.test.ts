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
import { type OncallWarRooms } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { FakeChannel } from '../../__testUtils__/FakeChannel';
import { asUser, secondChannel } from '../../__testUtils__/routesTest';
import { SERVICE } from '../../__testUtils__/pluginFixtures';
import request from 'supertest';
import { startOncallBackend } from '../../__testUtils__/backend';

jest.setTimeout(120_000);

// War rooms, opened through the channel that offers them.
describe('on-call routes of the UI', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('%s', databaseId => {
    async function start(options?: Parameters<typeof startOncallBackend>[1]) {
      const knex = await databases.init(databaseId);
      return startOncallBackend(knex, options);
    }

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
          .set('Authorization', asUser('alice'))
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
          .set('Authorization', asUser('alice'))
          .send({ channel: 'fake' });
        expect(noRooms.status).toBe(400);
        expect(noRooms.body.error.message).toBe('Fake chat has no war rooms');
        const unknown = await request(s)
          .post(`/api/oncall/incidents/${id}/war-room`)
          .set('Authorization', asUser('alice'))
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
  });
});
