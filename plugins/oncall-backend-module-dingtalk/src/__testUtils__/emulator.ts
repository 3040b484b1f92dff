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

// The emulator every end-to-end test of this module starts from: the app APP
// (a Standard edition app, as most customers have), some of the same people,
// and optionally the war-room template. The people's mobiles are the ones
// backend.ts gives their Backstage users, so that link-all-by-mobile links
// them; each test still names who exists, since who is missing matters too.
import {
  createEmulator,
  type EmulatorHandle,
  type EmulatorOptions,
} from '@dingtalk-oncall/dingtalk-emulator';
import { APP } from './backend';

/** The DingTalk people of the tests and their mobiles. */
export const MOBILE = {
  alice: '13800000001',
  bob: '13800000002',
  carol: '13800000003',
  // dave and reader are never in one test: each is the linked person who
  // may not act
  dave: '13800000004',
  reader: '13800000004',
  // the DingTalk account of the signed-in test user (Backstage's `mock`)
  mockdt: '13800000009',
} as const;
export type Person = keyof typeof MOBILE;

/**
 * Starts the emulator with APP and `people`, created in the order given.
 * A list names each person by their user id; a record gives their names.
 */
export async function startEmulator(
  opts: {
    people?: Person[] | Partial<Record<Person, string>>;
    /** The scene-group template of APP's war rooms (`tpl`, bot `group-bot`). */
    warRoomTemplate?: boolean;
    /** Passed to createEmulator, e.g. a clock. */
    emulator?: EmulatorOptions;
  } = {},
): Promise<EmulatorHandle> {
  const emu = await createEmulator(opts.emulator);
  emu.control.createApp({ ...APP, edition: 'standard' });
  const people: Array<[Person, string]> = Array.isArray(opts.people)
    ? opts.people.map(userId => [userId, userId])
    : (Object.entries(opts.people ?? {}) as Array<[Person, string]>);
  for (const [userId, name] of people)
    emu.control.createUser({
      corpId: APP.corpId,
      userId,
      name,
      mobile: MOBILE[userId],
    });
  if (opts.warRoomTemplate)
    emu.control.createSceneGroupTemplate({
      corpId: APP.corpId,
      templateId: 'tpl',
      botId: 'group-bot',
    });
  return emu;
}
