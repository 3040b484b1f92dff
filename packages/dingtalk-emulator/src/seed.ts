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

// Loading an organisation at start and on reset().
import type { EmulatorContext } from './context';
import { DEMO_SEED, EmulatorSeed } from './state';

export function loadSeed(ctx: EmulatorContext, seed: EmulatorSeed) {
  const { control } = ctx;
  for (const c of seed.corps ?? []) control.createCorp(c);
  for (const a of seed.apps ?? []) control.createApp(a);
  for (const d of seed.departments ?? []) control.createDepartment(d);
  for (const u of seed.users ?? []) control.createUser(u);
  for (const g of seed.groups ?? []) control.createGroup(g);
  for (const t of seed.templates ?? []) control.createSceneGroupTemplate(t);
}

/** The seeds the options ask for: the demo organisation and/or `seed`. */
export function loadOptionSeeds(ctx: EmulatorContext) {
  if (ctx.options.demo) loadSeed(ctx, DEMO_SEED);
  if (ctx.options.seed) loadSeed(ctx, ctx.options.seed);
}
