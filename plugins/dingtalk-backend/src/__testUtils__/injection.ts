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

import type { Knex } from 'knex';
import type { Response } from 'supertest';

// Fixtures of securityInjection.test.ts, moved here to keep that file short.

/** Strings that have broken SQL, LIKE patterns and escaping elsewhere. */
export const EVIL = [
  "' OR 1=1 --",
  '"; DROP TABLE x; --',
  '%',
  '_',
  '\\',
  "%' OR '1'='1",
  'a\u0000b',
];

/** The tables whose row counts must not change (but by the sends and pushes of the test). */
const TABLES = [
  'dingtalk_integrations',
  'dingtalk_groups',
  'dingtalk_events',
  'dingtalk_records',
  'dingtalk_links',
  'dingtalk_cards',
];

/** The number of rows in each of TABLES. */
export const countTableRows = async (knex: Knex) =>
  Object.fromEntries(
    await Promise.all(
      TABLES.map(async t => [
        t,
        Number((await knex(t).count({ c: '*' }))[0].c),
      ]),
    ),
  );

/**
 * What is wrong with the answer `res` to the request `what`, or undefined:
 * a 5xx, a 4xx without a reason, or a 2xx whose body fails `check`.
 */
export function problemWith(
  what: string,
  res: Response,
  check: (body: any) => void,
): string | undefined {
  if (res.status >= 500)
    return `${what}: ${res.status} ${res.body?.error?.message ?? res.text}`;
  if (res.status >= 400)
    return res.body?.error?.message
      ? undefined
      : `${what}: ${res.status} without a reason`;
  try {
    check(res.body);
    return undefined;
  } catch (err) {
    return `${what}: wrong result ${(err as Error).message}`;
  }
}
