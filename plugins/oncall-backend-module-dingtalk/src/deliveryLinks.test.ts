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
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  SERVICE,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { groupWithCoolApp, onlyCardIn } from './__testUtils__/groups';
import { atOnce, groupTarget, putRule } from './__testUtils__/oncallApi';

jest.setTimeout(180_000);

describe('links from the incident page to the DingTalk operation records', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(() => emu.close());

  it.each(databases.eachSupportedId())(
    'on %p, the incident links to its integration records page, filtered to the incident',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server, tick } = await start(emu, { knex });
      try {
        const { group } = await groupWithCoolApp(emu, {
          title: 'SRE On-call',
          ownerUserId: 'alice',
          memberUserIds: [],
        });
        await putRule(server, [atOnce(groupTarget(group.openConversationId))]);
        const incident = await request(server)
          .post('/api/oncall/incidents')
          .send({ title: 'Checkout down', serviceRef: SERVICE })
          .expect(201);
        const id: string = incident.body.id;
        await tick();
        await onlyCardIn(emu, group.openConversationId);

        const links = await request(server)
          .get(`/api/oncall/incidents/${id}/deliveries`)
          .expect(200);
        expect(links.body.items).toHaveLength(1);
        const [link] = links.body.items;
        expect(link).toMatchObject({
          channel: 'dingtalk',
          channelTitle: 'DingTalk',
          title: expect.stringMatching(/^Operation records \(.+\)$/),
        });
        const url = new URL(link.url);
        expect(url.origin).toBe('http://localhost:3000');
        expect(url.pathname).toBe('/dingtalk');
        expect(Object.fromEntries(url.searchParams)).toEqual({
          integration: 'demo',
          tab: 'records',
          reference: id,
        });

        // The filter the page applies finds this incident's card send.
        const records = await request(server)
          .get('/api/dingtalk/records')
          .query({
            integrationId: url.searchParams.get('integration'),
            reference: url.searchParams.get('reference'),
          })
          .expect(200);
        expect(records.body.items.length).toBeGreaterThan(0);
        for (const r of records.body.items) expect(r.reference).toBe(id);
      } finally {
        await backend.stop();
      }
    },
  );
});
