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

/**
 * A local emulator of the DingTalk Open Platform: the APIs the Backstage
 * DingTalk plugins call, event push, the Stream gateway, limits, faults and a
 * simulator UI.
 *
 * @packageDocumentation
 */

export { createEmulator } from './createEmulator';
export type {
  CallsReport,
  EmulatorControl,
  EmulatorHandle,
  EmulatorOptions,
  Fault,
  FaultKind,
  PushResult,
  RobotMessageDelivery,
} from './types';
export { DEMO_SEED, EDITION_LIMITS } from './state';
export type {
  Edition,
  EmuApp,
  EmuCard,
  EmuChatMessage,
  EmuDepartment,
  EmuGroup,
  EmuMessage,
  EmuTemplate,
  EmuUser,
  EmulatorSeed,
  EmulatorState,
  PushAttempt,
} from './state';
