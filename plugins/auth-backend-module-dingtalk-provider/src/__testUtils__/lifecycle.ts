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

import {
  mockServices,
  type TestDatabaseId,
  type TestDatabases,
} from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import { CapturingLogger, startAuthBackend, startEmulator } from './backend';

/** What one describe block signs in against; set once its beforeAll ran. */
export interface AuthTestEnv {
  readonly emu: EmulatorHandle;
  readonly backend: Awaited<ReturnType<typeof startAuthBackend>>;
  /** Every log line of the backend, to check that no secret is logged. */
  readonly logger: CapturingLogger;
  /** The auditor the account linker reports links to. */
  readonly auditor: ReturnType<typeof mockServices.auditor.mock>;
}

/**
 * Starts the emulator and the auth backend on `databaseId` once for the
 * calling describe block and stops both after it. Every sign-in suite needs
 * the same pair, so the lifecycle lives here rather than in each file; the
 * returned object is filled in by the beforeAll, so read its fields inside
 * tests, not at describe time.
 */
export function useAuthBackend(
  databases: TestDatabases,
  databaseId: TestDatabaseId,
): AuthTestEnv {
  let emu: EmulatorHandle | undefined;
  let backend: AuthTestEnv['backend'] | undefined;
  const logger = new CapturingLogger();
  const auditor = mockServices.auditor.mock();

  beforeAll(async () => {
    emu = await startEmulator();
    backend = await startAuthBackend({
      knex: await databases.init(databaseId),
      emu,
      logger,
      auditor,
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await emu?.close();
  });

  return {
    get emu() {
      if (!emu) throw new Error('the emulator is not started yet');
      return emu;
    },
    get backend() {
      if (!backend) throw new Error('the auth backend is not started yet');
      return backend;
    },
    logger,
    auditor,
  };
}
