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
import { APP } from './backend';

type Person = Omit<
  Parameters<EmulatorHandle['control']['createUser']>[0],
  'corpId'
>;

/** A person of the test corp; `name` defaults to the user id. */
export const person = (userId: string, mobile: string, name = userId) => ({
  userId,
  name,
  mobile,
});

/**
 * The emulated DingTalk most tests start from: the test APP (standard
 * edition unless `app` says otherwise) and the `people` of its corp. Shared
 * so that every test file talks to the same app the integration body names.
 */
export type AppEmulatorOptions = {
  options?: Parameters<typeof createEmulator>[0];
  app?: Partial<Parameters<EmulatorHandle['control']['createApp']>[0]>;
  people?: Person[];
  /** A scene-group template of the corp, for war rooms. */
  groupTemplate?: { templateId: string; botId: string };
};

export async function createAppEmulator(
  opts: AppEmulatorOptions = {},
): Promise<EmulatorHandle> {
  const emu = await createEmulator(opts.options);
  emu.control.createApp({ ...APP, edition: 'standard', ...opts.app });
  for (const p of opts.people ?? [])
    emu.control.createUser({ corpId: APP.corpId, ...p });
  if (opts.groupTemplate)
    emu.control.createSceneGroupTemplate({
      corpId: APP.corpId,
      ...opts.groupTemplate,
    });
  return emu;
}

/**
 * Gives every test of the enclosing describe a fresh emulator from `make` (a
 * factory, or the options of createAppEmulator), handed to `use` before the
 * test, and closes it after the test, so that no state, socket or pending
 * push leaks from one test into the next.
 */
export function emulatorPerTest(
  make: AppEmulatorOptions | (() => Promise<EmulatorHandle>),
  use: (emu: EmulatorHandle) => void,
) {
  let current: EmulatorHandle;
  beforeEach(async () => {
    current = await (typeof make === 'function'
      ? make()
      : createAppEmulator(make));
    use(current);
  });
  afterEach(() => current.close());
}
