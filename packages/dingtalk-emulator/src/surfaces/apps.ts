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

// Organisations and apps as the DingTalk developer console makes them, and
// the console's "check URL" push when an event subscription is saved.
import type { EmulatorContext } from '../context';
import { ApiError } from '../errors';
import { ALL_PERMISSIONS, EmuApp } from '../state';
import type { EmulatorControl } from '../types';

export function appsSurface(
  ctx: EmulatorContext,
): Pick<
  EmulatorControl,
  'createCorp' | 'createApp' | 'updateApp' | 'sendCheckUrl'
> {
  return {
    createCorp({ corpId, name }) {
      ctx.state.corps.set(corpId, { corpId, name: name ?? corpId });
      return { corpId };
    },
    createApp(req) {
      if (!ctx.state.corps.has(req.corpId))
        ctx.control.createCorp({ corpId: req.corpId });
      if (!/^[A-Za-z0-9+/]{43}$/.test(req.aesKey)) {
        throw new ApiError(
          400,
          'InvalidParameter',
          'aesKey must be 43 base64 characters',
        );
      }
      const created: EmuApp = {
        agentId: '1',
        edition: 'standard',
        transport: 'http',
        permissions: [...ALL_PERMISSIONS],
        coolAppCode: `COOLAPP-${req.appKey}`,
        ...req,
      } as EmuApp;
      ctx.state.apps.set(created.appKey, created);
      return created;
    },
    updateApp(appKey, patch) {
      const existing = ctx.appOf(appKey);
      Object.assign(existing, patch, { appKey });
      return existing;
    },
    async sendCheckUrl({ appKey }) {
      const app = ctx.appOf(appKey);
      return ctx.push(app, {
        EventType: 'check_url',
        TimeStamp: String(ctx.now()),
      });
    },
  };
}
