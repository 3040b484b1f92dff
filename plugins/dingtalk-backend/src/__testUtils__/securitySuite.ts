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
import { createAppEmulator, emulatorPerTest, person } from './emulator';

/**
 * What the security*.test.ts files start from: the app, one person (dt1) and
 * a single push retry after 50 ms, so that a refused push is not retried for
 * long.
 */
export const securityEmulator = () =>
  createAppEmulator({
    options: { pushRetryDelaysMs: [50] },
    people: [person('dt1', '13800000001', 'One')],
  });

/**
 * The setup of every security*.test.ts file (one file once, split by
 * concern): both databases, and a fresh securityEmulator per test handed to
 * `use`. Call it inside the file's describe.
 */
export function securitySuite(use: (emu: EmulatorHandle) => void) {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  emulatorPerTest(securityEmulator, use);
  return databases;
}
