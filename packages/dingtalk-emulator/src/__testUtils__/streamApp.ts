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
  type Edition,
  type EmulatorHandle,
  type EmulatorOptions,
} from '..';
import { createOwnedGroup } from './ownedGroup';

/** A Stream-mode app as the stream tests register it. */
export interface StreamTestApp {
  corpId: string;
  appKey: string;
  appSecret: string;
  aesKey: string;
  token: string;
  agentId?: string;
  edition?: Edition;
}

/**
 * An emulator with `app` in Stream mode and one group (owned by member u1,
 * with `mobile`) to install the Cool App into: the smallest organisation
 * that produces a Stream event. Returns the group's openConversationId as
 * `cid`; the caller closes the emulator.
 */
export async function startStreamEmulator(
  app: StreamTestApp,
  mobile: string,
  options: EmulatorOptions = {},
): Promise<{ emu: EmulatorHandle; cid: string }> {
  const emu = await createEmulator(options);
  emu.control.createApp({ ...app, transport: 'stream' } as any);
  const cid = createOwnedGroup(emu, app.corpId, 'G', { name: 'U', mobile });
  return { emu, cid };
}
