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

import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';

const DEVELOPMENT_KEY = 'development-only-dingtalk-encryption-key';

/**
 * The key that seals integration secrets at rest. Production must set
 * `dingtalk.encryptionKey`; development falls back to a fixed key, loudly.
 */
export function readEncryptionKey(
  config: RootConfigService,
  logger: LoggerService,
): string {
  const key = config.getOptionalString('dingtalk.encryptionKey');
  if (key) {
    if (key.length < 32)
      throw new Error('dingtalk.encryptionKey must be at least 32 characters');
    return key;
  }
  if (process.env.NODE_ENV === 'production') {
    throw new Error(
      'dingtalk.encryptionKey is required in production: it encrypts DingTalk secrets at rest',
    );
  }
  logger.warn(
    'dingtalk.encryptionKey is not set: using a development key; never do this in production',
  );
  return DEVELOPMENT_KEY;
}
