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

// Shared setup of the emulator's own tests (createEmulator*.test.ts): a
// standard-edition app with two users and a group, JSON calls over real HTTP,
// and a tiny app server answering pushes.
import { createEmulator, EmulatorHandle } from '..';
import { decryptFrom } from '../crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_APP } from './testApp';

// An independent implementation the emulator's pushes are checked against.
const DingTalkEncryptor = require('dingtalk-encrypt');

export const APP = TEST_APP;

export async function setup(extra: Parameters<typeof createEmulator>[0] = {}) {
  const emu = await createEmulator({
    pushRetryDelaysMs: [50, 50],
    pushTimeoutMs: 2000,
    ...extra,
  });
  emu.control.createApp({ ...APP, edition: 'standard' });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'u1',
    name: 'User One',
    mobile: '13900000001',
  });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'u2',
    name: 'User Two',
    mobile: '13900000002',
  });
  const group = emu.control.createGroup({
    corpId: APP.corpId,
    title: 'Ops',
    ownerUserId: 'u1',
    memberUserIds: ['u2'],
  });
  return { emu, group };
}

export async function json(
  emu: EmulatorHandle,
  path: string,
  init: RequestInit & { token?: string } = {},
) {
  const res = await fetch(`${emu.baseUrl}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { 'x-acs-dingtalk-access-token': init.token } : {}),
    },
  });
  return { status: res.status, body: (await res.json()) as any };
}
/** A new-style call (card callback registration) to check auth and limits with. */
export const registerCallback = (emu: EmulatorHandle, accessToken: string) =>
  json(emu, '/v1.0/card/callbacks/register', {
    method: 'POST',
    token: accessToken,
    body: JSON.stringify({ callbackRouteKey: 'k', callbackUrl: 'http://x' }),
  });

export async function token(emu: EmulatorHandle) {
  const { body } = await json(emu, '/v1.0/oauth2/accessToken', {
    method: 'POST',
    body: JSON.stringify({ appKey: APP.appKey, appSecret: APP.appSecret }),
  });
  return body.accessToken as string;
}
/** A tiny app server that answers pushes like a DingTalk app would. */
export async function appServer(
  answer: (
    encrypt: string,
    query: URLSearchParams,
  ) => { status: number; body: unknown },
) {
  const received: Array<{
    message: string;
    encrypt: string;
    query: URLSearchParams;
  }> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const { encrypt } = JSON.parse(raw);
      received.push({
        message: decryptFrom(APP.aesKey, encrypt)!.message,
        encrypt,
        query: url.searchParams,
      });
      const out = answer(encrypt, url.searchParams);
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/events`;
  return {
    url,
    received,
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

export const theirs = new DingTalkEncryptor(APP.token, APP.aesKey, APP.appKey);
export const goodReply = () => ({
  status: 200,
  body: theirs.getEncryptedMap('success', String(Date.now()), 'nonce123'),
});
