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

import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  INTEGRATION_BODY,
  dingtalkConfig,
  startDingtalkBackend,
  userEntity,
} from './backend';
import { emulatorPerTest, person } from './emulator';

// The setup of the h5*.test.ts files that attack H5 sign-in and account
// linking (one file once, split by concern).

export const ALICE = 'user:default/alice';
export const BOB = 'user:default/bob';
export const as = (ref: string) => mockCredentials.user.header(ref);

function withProfile(name: string, mobile: string, email: string) {
  const e = userEntity(name, mobile);
  (e.spec as any).profile.email = email;
  return e;
}

/**
 * Both databases, and per test a fresh emulator with Alice (whose catalog
 * mobile and email match) and Mallory (who matches nobody), handed to `use`.
 * Call it inside the file's describe.
 */
export function h5AttackSuite(use: (emu: EmulatorHandle) => void) {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  emulatorPerTest(
    {
      people: [
        {
          ...person('dt-alice', '13900000001', 'Alice in DingTalk'),
          avatar: 'https://static-legacy.dingtalk.com/media/alice.png',
          email: 'alice@example.com',
        },
        {
          ...person('dt-mallory', '13900000666', 'Mallory'),
          email: 'mallory@example.com',
        },
      ],
    },
    use,
  );
  return databases;
}

/** A backend with alice and bob in the catalog, `config` added to its dingtalk block, and integration acme. */
export async function startH5Backend(
  emu: EmulatorHandle,
  knex: Knex,
  config: object = {},
) {
  const logger = new CapturingLogger();
  const backend = await startDingtalkBackend({
    knex,
    emu,
    logger,
    users: [
      withProfile('alice', '13900000001', 'alice@example.com'),
      withProfile('bob', '13900000002', 'bob@example.com'),
    ],
    config: { dingtalk: { ...dingtalkConfig(emu).dingtalk, ...config } },
  });
  await request(backend.server)
    .post('/api/dingtalk/integrations')
    .send(INTEGRATION_BODY)
    .expect(201);
  return { backend, logger, s: backend.server };
}

/** The H5 page in one DingTalk web view: an auth code for `userId`, and the cookie it got back. */
export async function h5Session(emu: EmulatorHandle, s: any, userId: string) {
  const { code } = emu.control.issueAuthCode({ appKey: APP.appKey, userId });
  const res = await request(s)
    .post('/api/dingtalk/h5/acme/session')
    .send({ code });
  expect(res.status).toBe(200);
  const setCookie = String(res.headers['set-cookie'] ?? '');
  if (res.body.linked === false)
    expect(setCookie).toMatch(
      /^dingtalk_h5_session=[\w-]{43}; Max-Age=300; Path=\/api\/dingtalk; .*HttpOnly; SameSite=Lax/,
    );
  const cookie = setCookie.split(';')[0];
  const ticket = res.body.linkUrl
    ? new URL(res.body.linkUrl).hash.replace(/^#ticket=/, '')
    : '';
  return { res, cookie, ticket: decodeURIComponent(ticket) };
}

/** How many times the backend asked DingTalk who an auth code belongs to. */
export const getuserinfoCalls = (emu: EmulatorHandle) =>
  emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey]?.byApi[
    'user.getuserinfo'
  ] ?? 0;
