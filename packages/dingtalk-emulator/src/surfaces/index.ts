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

// Every API surface of the emulator. A new surface is a file in this folder
// exporting `xSurface(ctx)`, which registers its routes on `ctx.app` (through
// `ctx.newApi` / `ctx.oldApi`) and returns its control methods; add it here
// with one line. Its control methods are declared in `EmulatorControl`
// (../types.ts), which this object must implement in full.
import type { EmulatorContext } from '../context';
import { appsSurface } from './apps';
import { authSurface } from './auth';
import { cardCallbacksSurface } from './cardCallbacks';
import { cardsSurface } from './cards';
import { cardViewsSurface } from './cardViews';
import { limitsSurface } from './limitsControl';
import { contactsSurface } from './contacts';
import { groupsSurface } from './groups';
import { robotSurface } from './robot';
import { robotMessagesSurface } from './robotMessages';
import { usersSurface } from './users';
import { webLoginSurface } from './webLogin';

export function registerSurfaces(ctx: EmulatorContext) {
  return {
    ...appsSurface(ctx),
    ...authSurface(ctx),
    ...usersSurface(ctx),
    ...robotSurface(ctx),
    ...robotMessagesSurface(ctx),
    ...cardsSurface(ctx),
    ...cardCallbacksSurface(ctx),
    ...groupsSurface(ctx),
    ...contactsSurface(ctx),
    ...webLoginSurface(ctx),
    ...limitsSurface(ctx),
    ...cardViewsSurface(ctx),
  };
}
