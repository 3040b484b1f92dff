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
import { DingtalkCallbackCrypto } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import { APP, withDingtalkBackend } from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(60_000);

const ours = new DingtalkCallbackCrypto({
  token: APP.token,
  aesKey: APP.aesKey,
  receiverId: APP.appKey,
});
const EVENTS = '/api/dingtalk/integrations/acme/events';

/** An event push DingTalk would send for this plaintext. */
function push(server: any, plaintext: string) {
  const encrypt = ours.encrypt(plaintext);
  const timestamp = String(Date.now());
  return request(server)
    .post(EVENTS)
    .query({
      signature: ours.sign(timestamp, 'n0nce', encrypt),
      timestamp,
      nonce: 'n0nce',
    })
    .send({ encrypt });
}

/** JSON text with `leaf` nested `depth` objects deep (built as text: no recursion). */
function nested(depth: number, leaf: string): string {
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

describe('DingTalk events are untrusted text', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest({}, e => (emu = e));

  it.each(databases.eachSupportedId())(
    'refuses a NUL at any depth with a 400 and stores nothing (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend({ knex, emu }, async s => {
        for (const depth of [1, 64, 65, 66, 200, 2000]) {
          const event = `{"EventType":"some_event","deep":${nested(
            depth,
            '"x\\u0000y"',
          )}}`;
          const res = await push(s, event);
          expect([depth, res.status]).toEqual([depth, 400]);
          expect(res.body.error.message).toContain('NUL');
          // ...and a NUL in a key, as deep.
          const inKey = `{"EventType":"some_event","deep":${nested(
            depth,
            '{"k\\u0000":1}',
          )}}`;
          expect((await push(s, inKey)).status).toBe(400);
        }
        const [{ n }] = await knex('dingtalk_events').count({ n: '*' });
        expect(Number(n)).toBe(0);
        // The same event without the NUL is taken, as deep as it is.
        const clean = await push(
          s,
          `{"EventType":"some_event","deep":${nested(2000, '"xy"')}}`,
        );
        expect(clean.status).toBe(200);
      });
    },
  );

  it('refuses a non-string Title (or id) with a 400 naming the field, and the group keeps its title', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const installed = await push(
        s,
        JSON.stringify({
          EventType: 'im_cool_app_install',
          OpenConversationId: 'cid-1',
          Title: 'SRE',
        }),
      );
      expect(installed.status).toBe(200);
      for (const [field, value] of [
        ['Title', { evil: true }],
        ['Title', ['SRE', 'x']],
        ['Title', 42],
        ['OpenConversationId', { $ne: '' }],
      ] as const) {
        const res = await push(
          s,
          JSON.stringify({
            EventType: 'chat_update_title',
            OpenConversationId: 'cid-1',
            Title: 'Renamed',
            [field]: value,
          }),
        );
        expect([field, res.status]).toEqual([field, 400]);
        expect(res.body.error.message).toContain(`${field} must be a string`);
      }
      // camelCase, as Stream mode sends it, is read the same way.
      const camel = await push(
        s,
        JSON.stringify({
          eventType: 'chat_update_title',
          openConversationId: 'cid-1',
          title: { toString: 'x' },
        }),
      );
      expect(camel.status).toBe(400);
      expect(camel.body.error.message).toContain('title must be a string');
      const groups = await request(s)
        .get('/api/dingtalk/integrations/acme/groups')
        .query({ includeUninstalled: 'true' });
      expect(groups.body.items.map((g: any) => g.title)).toEqual(['SRE']);
    });
  });
});
