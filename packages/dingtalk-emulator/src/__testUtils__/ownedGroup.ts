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

import type { EmulatorHandle } from '..';

/**
 * Member u1 (`name`, `mobile`) and a group `title` that u1 owns alone:
 * the smallest organisation a group message, card or Cool App event needs.
 * Returns the group's openConversationId.
 */
export function createOwnedGroup(
  emu: EmulatorHandle,
  corpId: string,
  title: string,
  owner: { name: string; mobile: string },
): string {
  emu.control.createUser({ corpId, userId: 'u1', ...owner });
  return emu.control.createGroup({
    corpId,
    title,
    ownerUserId: 'u1',
    memberUserIds: [],
  }).openConversationId;
}
