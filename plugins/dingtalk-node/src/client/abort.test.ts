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
import { testClient } from '../__testUtils__/client';
import { migratedDatabase } from '../__testUtils__/database';
import { testApp, useEmulator } from '../__testUtils__/emulator';

const APP = testApp({ corpId: 'dingcorp', appKey: 'dingclient' });

// The caller's signal (the on-call engine giving up on a notify) reaches the
// HTTP call: it is aborted at once, and not tried again.
describe('DingtalkApiClient with a caller signal', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const env = useEmulator(APP);

  it.each(databases.eachSupportedId())(
    'on %p, aborts a card call DingTalk does not answer, without retrying',
    async databaseId => {
      const { emu } = env;
      const db = await migratedDatabase(databases, databaseId);
      const client = testClient(emu, db, APP, { timeoutMs: 20_000 });
      await client.getAccessToken();
      // DingTalk never answers (the connection is held for 30 s).
      emu.control.injectFault({
        api: 'card.instances.createAndDeliver',
        kind: 'timeout',
      });
      const controller = new AbortController();
      const began = Date.now();
      setTimeout(() => controller.abort(new Error('engine gave up')), 300);
      await expect(
        client.createAndDeliverCard(
          {
            outTrackId: 'oncall-x-0123456789abcdef',
            cardTemplateId: 'tpl',
            cardParamMap: { title: 't' },
            groups: ['cid-none'],
          },
          { signal: controller.signal },
        ),
      ).rejects.toThrow();
      // At the abort: not after the client's own 20 s timeout (nor its
      // retries, each of which would wait that long again).
      expect(Date.now() - began).toBeLessThan(3000);
    },
  );
});
