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

// DingTalk groups the channel can post into, and waiting for what it posts:
// the start of nearly every end-to-end test of this module.
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import { APP, eventually } from './backend';

/**
 * A group of APP's corp with APP's Cool App installed (the channel lists
 * and posts into such groups only). `installed` is what the install event
 * push answered, for the tests that check it arrived.
 */
export async function groupWithCoolApp(
  emu: EmulatorHandle,
  group: { title: string; ownerUserId: string; memberUserIds: string[] },
) {
  const created = emu.control.createGroup({ corpId: APP.corpId, ...group });
  const installed = await emu.control.installCoolApp({
    appKey: APP.appKey,
    openConversationId: created.openConversationId,
  });
  return { group: created, installed };
}

/**
 * Waits until the group holds exactly one card, and returns it: the card of
 * the incident a test has just raised (a second card would be a bug).
 */
export async function onlyCardIn(
  emu: EmulatorHandle,
  openConversationId: string,
  ms?: number,
) {
  await eventually(
    () => expect(emu.control.cards({ openConversationId })).toHaveLength(1),
    ms,
  );
  return emu.control.cards({ openConversationId })[0];
}

/**
 * A card as DingTalk holds it now, read again by its outTrackId (as one
 * would ask DingTalk) rather than trusting an object handed out earlier.
 */
export function current(emu: EmulatorHandle, card: { outTrackId: string }) {
  return emu.control.cards({ outTrackId: card.outTrackId })[0];
}
