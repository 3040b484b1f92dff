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

import { createServiceFactory } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { notificationService } from '@backstage/plugin-notifications-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import { APP, withDingtalkBackend } from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';

describe('quota warning', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let emu: EmulatorHandle;
  emulatorPerTest({}, e => (emu = e));

  it('notifies once a month when 80% of the monthly quota is used', async () => {
    const knex = await databases.init('SQLITE_3');
    const sent: any[] = [];
    // The notifications plugin is a peer here: record what reaches it.
    const notifications = createServiceFactory({
      service: notificationService,
      deps: {},
      factory: () => ({ send: async (n: any) => void sent.push(n) }),
    });
    await withDingtalkBackend(
      {
        knex,
        emu,
        features: [notifications],
      },
      async s => {
        const group = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'G',
          ownerUserId: 'nobody',
          memberUserIds: [],
        });
        group.coolApps.push(APP.appKey);
        const send = () =>
          request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              groups: [group.openConversationId],
              message: { type: 'text', content: 'x' },
            })
            .expect(200);

        await send();
        await new Promise(r => setTimeout(r, 200));
        expect(sent).toHaveLength(0);

        // 7,999 calls already made this month: the next one crosses 80%.
        await knex('dingtalk_usage').insert({
          client_id: APP.appKey,
          day: new Date().toISOString().slice(0, 10),
          api: 'earlier',
          calls: 7_999,
        });
        await send();
        await send();
        await new Promise(r => setTimeout(r, 300));
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatchObject({
          recipients: { type: 'broadcast' },
          payload: {
            severity: 'high',
            topic: 'dingtalk-quota',
            title: expect.stringContaining('80'),
          },
        });
        const usage = await request(s).get(
          '/api/dingtalk/integrations/acme/usage',
        );
        expect(usage.body.percentUsed).toBeGreaterThanOrEqual(80);
      },
    );
  });
});
