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
import { emulatorPerTest, person } from './emulator';

/**
 * The setup of every plugin*.test.ts file (one file once, split by concern):
 * both databases, and per test a fresh emulator with 46 people (enough to
 * link 45 by mobile and leave one out), short push retries and a
 * scene-group template for war rooms, handed to `use`. Call it inside the
 * file's describe.
 */
export function pluginSuite(use: (emu: EmulatorHandle) => void) {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  emulatorPerTest(
    {
      options: { pushRetryDelaysMs: [100, 300] },
      people: Array.from({ length: 46 }, (_, i) =>
        person(`dt${i}`, `1380000${String(i).padStart(4, '0')}`, `Person ${i}`),
      ),
      groupTemplate: { templateId: 'tpl-1', botId: 'group-bot-1' },
    },
    use,
  );
  return databases;
}
