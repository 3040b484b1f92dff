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

import { InputError } from '@backstage/errors';
import type { NextFunction, Request, Response } from 'express';

/**
 * Whether a string, or any key or string inside an object or array at any
 * depth, holds a NUL character. Iterative with an explicit stack: a depth
 * cut-off let a NUL nested deeper than it through (to a 500 on PostgreSQL),
 * and recursion would overflow the call stack on a deep enough body. A
 * parsed JSON body has no cycles; the visited set guards other callers.
 */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (v !== null && typeof v === 'object' && !seen.has(v)) {
      seen.add(v);
      if (Array.isArray(v)) {
        for (const item of v) stack.push(item);
      } else {
        for (const [k, item] of Object.entries(v)) {
          if (k.includes('\u0000')) return true;
          stack.push(item);
        }
      }
    }
  }
  return false;
}

/**
 * PostgreSQL cannot store or compare NUL in text, so a NUL in a path, query
 * or JSON body ended in a 500 there (SQLite took it). No incident, ref or
 * note needs one: refuse it up front with a 400.
 */
export function rejectNulCharacters(
  req: Request,
  _res: Response,
  next: NextFunction,
) {
  // req.url too: the access-log redaction rewrites originalUrl first.
  if (
    /%00/.test(req.originalUrl ?? '') ||
    /%00/.test(req.url) ||
    containsNul(req.body)
  ) {
    next(new InputError('Text must not contain NUL (\\u0000) characters'));
    return;
  }
  next();
}
