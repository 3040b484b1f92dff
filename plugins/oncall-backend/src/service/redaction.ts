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
import type { NextFunction, Request, Response } from 'express';

/** Registers secrets that no log line may show. */
export type Redact = (secrets: string[]) => void;

/**
 * The root logger's redaction list, which every plugin's logger and the
 * access log share: Backstage's WinstonLogger replaces each registered string
 * by `***` in every line it writes (config secrets are registered the same
 * way at start). `addRedactions` is not part of `RootLoggerService`, so a
 * root logger without it (a test's mock) leaves lines as they are.
 */
export function redactionsOf(rootLogger: RootLoggerService): Redact {
  const target = rootLogger as RootLoggerService & {
    addRedactions?: (redactions: Iterable<string>) => void;
  };
  if (typeof target.addRedactions !== 'function') return () => {};
  return secrets => target.addRedactions!(secrets);
}

const TOKEN_SEGMENT = /^\/alerts\/[^/?#]+/;

/**
 * The webhook token of `POST /alerts/:token` (for tools that cannot send a
 * header) must not reach the access log, which the root router writes from
 * `req.originalUrl` once the response is sent: replace it there before
 * anything else runs, for any token (also unknown or revoked ones, which the
 * redaction list does not know). Routing reads `req.url`, which stays.
 */
export function redactWebhookTokenInUrl(
  req: Request,
  _res: Response,
  next: NextFunction,
) {
  if (TOKEN_SEGMENT.test(req.url) && req.originalUrl) {
    req.originalUrl = req.originalUrl.replace(
      /(\/alerts\/)[^/?#]+/,
      '$1<redacted>',
    );
  }
  next();
}
