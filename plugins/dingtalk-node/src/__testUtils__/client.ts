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

import { CacheManager } from '@backstage/backend-defaults/cache';
import type { CacheService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import {
  DingtalkApiClient,
  type DingtalkApiClientOptions,
  type DingtalkAppCredentials,
} from '../client/DingtalkApiClient';
import { DingtalkTokenProvider } from '../client/DingtalkTokenProvider';
import type { TestApp } from './emulator';

/** A process-local token cache, as one backend replica has without Redis. */
export function memoryCache(): CacheService {
  return CacheManager.fromConfig(
    new ConfigReader({ backend: { cache: { store: 'memory' } } }),
  ).forPlugin('dingtalk');
}

/**
 * A client for `app` talking to the emulator, with tokens kept in `db` and
 * a cache of its own unless `cache` is shared (two replicas). Everything
 * each test is about (limiter, quota, sleep, timeouts, limit overrides) is
 * passed by the test, so that it stays visible there.
 */
export function testClient(
  emu: EmulatorHandle,
  db: Knex,
  app: TestApp,
  opts: Partial<Omit<DingtalkApiClientOptions, 'credentials' | 'tokens'>> & {
    limits?: DingtalkAppCredentials['limits'];
    cache?: CacheService;
  } = {},
): DingtalkApiClient {
  const { limits, cache = memoryCache(), ...options } = opts;
  return new DingtalkApiClient({
    credentials: {
      clientId: app.appKey,
      clientSecret: app.appSecret,
      corpId: app.corpId,
      edition: 'standard',
      ...(limits ? { limits } : {}),
    },
    apiBaseUrl: emu.baseUrl,
    oapiBaseUrl: emu.baseUrl,
    tokens: new DingtalkTokenProvider({ cache, db }),
    ...options,
  });
}
