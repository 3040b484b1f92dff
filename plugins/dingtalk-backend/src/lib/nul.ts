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

/** Whether a string, or any key or string inside an object or array, holds a NUL character. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) return value.some(v => containsNul(v, depth + 1));
  return Object.entries(value).some(
    ([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1),
  );
}

/**
 * PostgreSQL cannot store NUL in text, so a NUL in a path, query or JSON body
 * reached the database and ended in a 500 there (SQLite took it). No DingTalk
 * id, name or message has one: refuse it up front with a 400.
 */
export function rejectNulCharacters(
  req: Request,
  _res: Response,
  next: NextFunction,
) {
  if (/%00/.test(req.originalUrl ?? '') || containsNul(req.body)) {
    next(new InputError('Text must not contain NUL (\\u0000) characters'));
    return;
  }
  next();
}
