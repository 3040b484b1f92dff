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
  createEmulator,
  type EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';

/** One DingTalk app as the client tests register it in the emulator. */
export interface TestApp {
  corpId: string;
  appKey: string;
  appSecret: string;
  aesKey: string;
  token: string;
}

/**
 * A Standard-edition test app. Each test file names its own corp and app key
 * (so a failure names the file it came from); the secrets do not matter to
 * the client tests, so they are the same everywhere.
 */
export function testApp(ids: { corpId: string; appKey: string }): TestApp {
  return {
    ...ids,
    appSecret: 'secret',
    aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
    token: 'token',
  };
}

/** The one member the single-user tests send to and look up by mobile. */
export const U1 = { userId: 'u1', name: 'U1', mobile: '13900000001' };

/** Members u0 … u(count-1), each with a distinct mobile 1390000NNNN. */
export function createUsers(
  emu: EmulatorHandle,
  corpId: string,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    emu.control.createUser({
      corpId,
      userId: `u${i}`,
      name: `User ${i}`,
      mobile: `1390000${String(i).padStart(4, '0')}`,
    });
  }
}

/**
 * A fresh emulator with `app` registered for every test of the calling
 * describe block (beforeEach), closed after each: the tests count calls and
 * inject faults, so none may see another's. `seed` adds what the block needs
 * (members, group rates). Read `.emu` inside tests only.
 */
export function useEmulator(
  app: TestApp,
  seed?: (emu: EmulatorHandle) => void,
): { readonly emu: EmulatorHandle } {
  let emu: EmulatorHandle | undefined;
  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp({ ...app, edition: 'standard' });
    seed?.(emu);
  });
  afterEach(() => emu?.close());
  return {
    get emu() {
      if (!emu) throw new Error('the emulator is not started yet');
      return emu;
    },
  };
}
