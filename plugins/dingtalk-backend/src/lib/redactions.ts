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

import type { RootLoggerService } from '@backstage/backend-plugin-api';

/**
 * The root logger's redaction list, which every plugin's logger and the
 * access log share: Backstage's WinstonLogger replaces each registered string
 * by `***` in every line it writes (config secrets are registered the same
 * way at start, but integrations created at runtime are not config).
 * `addRedactions` is not part of `RootLoggerService`, so a root logger
 * without it (a test's) leaves lines as they are.
 */
export function redactionsOf(
  rootLogger: RootLoggerService,
): (secrets: string[]) => void {
  const target = rootLogger as RootLoggerService & {
    addRedactions?: (redactions: Iterable<string>) => void;
  };
  if (typeof target.addRedactions !== 'function') return () => {};
  return secrets => target.addRedactions!(secrets);
}
