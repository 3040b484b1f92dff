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
import { EventsStore } from './EventsStore';
import { migrateDingtalkBackend } from './migrations';

describe('EventsStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'claims each event once and forgets old ones on %p',
    async databaseId => {
      const db = await databases.init(databaseId);
      await migrateDingtalkBackend(db);
      const store = new EventsStore(db);
      // Every claim here differs only in its key and time.
      const claim = (key: string, at: string) =>
        store.claim('acme', key, 'chat_update_title', '{}', at, 'done');
      expect(await claim('old', '2026-01-01T00:00:00.000Z')).toBe(true);
      expect(await claim('new', '2026-01-09T00:00:00.000Z')).toBe(true);
      expect(await claim('old', '2026-01-01T00:00:01.000Z')).toBe(false);

      expect(await store.prune('2026-01-02T00:00:00.000Z')).toBe(1);
      // The old key is forgotten; the recent one is still a duplicate.
      expect(await claim('new', '2026-01-09T00:00:01.000Z')).toBe(false);
      expect(await claim('old', '2026-01-09T00:00:02.000Z')).toBe(true);
    },
  );
});
