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
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { GroupsStore } from './database/GroupsStore';
import { APP, withDingtalkBackend } from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';

jest.setTimeout(120_000);

const crypto = new DingtalkCallbackCrypto({
  token: APP.token,
  aesKey: APP.aesKey,
  receiverId: APP.appKey,
});

function push(event: object) {
  const timestamp = String(Date.now());
  const nonce = randomBytes(8).toString('hex');
  const encrypt = crypto.encrypt(JSON.stringify(event));
  return {
    path: `/api/dingtalk/integrations/acme/events?msg_signature=${crypto.sign(
      timestamp,
      nonce,
      encrypt,
    )}&timestamp=${timestamp}&nonce=${nonce}`,
    body: { encrypt },
  };
}

/** Posts all pushes at once from a child process; resolves to the statuses. */
function sendFromAnotherProcess(
  base: string,
  pushes: Array<{ path: string; body: object }>,
): Promise<number[]> {
  const script = `
    const pushes = JSON.parse(process.argv[1]);
    Promise.all(pushes.map(p => fetch(${JSON.stringify(
      base,
    )} + p.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p.body) }).then(r => r.status)))
      .then(s => process.stdout.write(JSON.stringify(s)), e => { console.error(e); process.exit(1); });`;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['-e', script, JSON.stringify(pushes)],
      { maxBuffer: 1 << 20 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    ),
  );
}

describe('event ingest under load', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest({}, e => (emu = e));

  it.each(databases.eachSupportedId())(
    'claims and applies pushes that arrive together in fewer statements than pushes, each once (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend({ knex, emu }, async s => {
        const groups = new GroupsStore(knex);
        for (let g = 0; g < 5; g++)
          await groups.install(
            'acme',
            { openConversationId: `cid-${g}`, title: `Group ${g}` },
            new Date().toISOString(),
          );
        // 40 renames (8 per group), each sent twice (DingTalk's retry), and
        // 10 events the plugin only records.
        const events: object[] = [];
        for (let n = 0; n < 40; n++)
          events.push({
            EventType: 'chat_update_title',
            CorpId: APP.corpId,
            OpenConversationId: `cid-${n % 5}`,
            Title: `Group ${n % 5} rev ${n}`,
            TimeStamp: String(Date.now()),
            EventId: `rename-${n}`,
          });
        for (let n = 0; n < 10; n++)
          events.push({
            EventType: 'bpms_task_change',
            CorpId: APP.corpId,
            processInstanceId: `p${n}`,
            TimeStamp: String(Date.now()),
            EventId: `other-${n}`,
          });
        const pushes = [...events, ...events.slice(0, 40)].map(push);
        const server = s;
        let statements = 0;
        // the statements of the ingest path (not the integration read, ...)
        const count = (q: { sql: string }) => {
          if (/dingtalk_(events|groups)/.test(q.sql)) statements += 1;
        };
        knex.on('query', count);
        // Sent from another process, as DingTalk's pushes come from outside:
        // in this one the sender would take turns with the server.
        const answers = await sendFromAnotherProcess(
          `http://127.0.0.1:${server.port()}`,
          pushes,
        );
        knex.off('query', count);
        expect(answers.every(status => status === 200)).toBe(true);
        // every event recorded once
        const rows = await knex('dingtalk_events')
          .where({ integration_id: 'acme' })
          .select('event_key', 'status');
        expect(rows).toHaveLength(50);
        expect(rows.filter(r => r.status === 'done')).toHaveLength(40);
        // each group has one of its own renames
        for (let g = 0; g < 5; g++) {
          const group = await groups.get('acme', `cid-${g}`);
          expect(group?.title).toMatch(new RegExp(`^Group ${g} rev \\d+$`));
        }
        // One statement per push would be 90 for the claims and 40 more for
        // the renames: pushes that arrive together share them.
        expect(statements).toBeLessThan(pushes.length);

        // A push on its own is still applied at once.
        const alone = push({
          EventType: 'chat_update_title',
          CorpId: APP.corpId,
          OpenConversationId: 'cid-0',
          Title: 'Renamed alone',
          TimeStamp: String(Date.now()),
          EventId: 'alone',
        });
        await request(server).post(alone.path).send(alone.body).expect(200);
        expect((await groups.get('acme', 'cid-0'))?.title).toBe(
          'Renamed alone',
        );
        // and its replay changes nothing
        await groups.rename(
          'acme',
          { openConversationId: 'cid-0' },
          'Changed since',
          new Date().toISOString(),
        );
        await request(server).post(alone.path).send(alone.body).expect(200);
        expect((await groups.get('acme', 'cid-0'))?.title).toBe(
          'Changed since',
        );
      });
    },
  );
});
