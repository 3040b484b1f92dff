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

import { readDurationFromConfig, type Config } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { DingtalkSignInClient } from './DingtalkSignInClient';
import { SessionTokens } from './SessionTokens';

/** One `auth.providers.dingtalk.<env>` block, read once. */
export interface DingtalkProviderSettings {
  clientId: string;
  corpId?: string;
  authorizeUrl: string;
  jsapiUrl?: string;
  directoryRecheckMs: number;
  client: DingtalkSignInClient;
  tokens: SessionTokens;
}

export function readProviderSettings(
  config: Config,
  now?: () => number,
): DingtalkProviderSettings {
  const clientId = config.getString('clientId');
  const clientSecret = config.getString('clientSecret');
  return {
    clientId,
    corpId: config.getOptionalString('corpId'),
    authorizeUrl:
      config.getOptionalString('authorizeUrl') ??
      'https://login.dingtalk.com/oauth2/auth',
    jsapiUrl: config.getOptionalString('jsapiUrl'),
    directoryRecheckMs: config.has('directoryRecheck')
      ? durationToMilliseconds(
          readDurationFromConfig(config, { key: 'directoryRecheck' }),
        )
      : 12 * 3600_000,
    client: new DingtalkSignInClient({
      clientId,
      clientSecret,
      apiBaseUrl:
        config.getOptionalString('apiBaseUrl') ?? 'https://api.dingtalk.com',
      oapiBaseUrl:
        config.getOptionalString('oapiBaseUrl') ?? 'https://oapi.dingtalk.com',
      now,
    }),
    tokens: new SessionTokens(clientSecret, clientId),
  };
}
