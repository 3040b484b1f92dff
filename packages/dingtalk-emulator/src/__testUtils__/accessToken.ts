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
 * An app access token from the emulator's new-style token API, as every
 * DingTalk client fetches one before its first call. Tests of other APIs
 * need one as a precondition; the token API itself is tested on its own.
 */
export async function appAccessToken(
  emu: EmulatorHandle,
  app: { appKey: string; appSecret: string },
): Promise<string> {
  const res = await fetch(`${emu.baseUrl}/v1.0/oauth2/accessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appKey: app.appKey, appSecret: app.appSecret }),
  });
  return ((await res.json()) as any).accessToken as string;
}
