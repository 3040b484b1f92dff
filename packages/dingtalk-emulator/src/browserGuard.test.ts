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

import http from 'node:http';
import { createEmulator, EmulatorHandle } from '.';

const APP = {
  corpId: 'dingguardcorp',
  appKey: 'dingguardapp',
  appSecret: 'guard-app-secret',
  agentId: '1',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'guard-signature-token',
};

/** A raw HTTP request, so that Origin, Host and Sec-Fetch-* are exactly what a browser would send. */
function send(
  emu: EmulatorHandle,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: emu.port,
        method,
        path,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () => {
          let parsed: any = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: parsed,
          });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

describe('the emulator on a developer machine', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp({
      ...APP,
      eventUrl: 'http://localhost:7007/api/dingtalk/integrations/x/events',
    });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'u1',
      name: 'User One',
      mobile: '13900000001',
    });
  });
  afterEach(() => emu.close());

  const evil = {
    origin: 'https://evil.example',
    'sec-fetch-site': 'cross-site',
  };

  it('answers another web page without Access-Control-Allow-Origin, and refuses its writes', async () => {
    const read = await send(emu, 'GET', '/_emulator/api/state', evil);
    expect(read.status).toBe(403);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await send(emu, 'OPTIONS', '/_emulator/api/createUser', {
      ...evil,
      'access-control-request-method': 'POST',
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    // a form post needs no preflight: it is refused by its Origin
    const write = await send(emu, 'POST', '/_emulator/api/createUser', evil, {
      corpId: APP.corpId,
      userId: 'intruder',
      name: 'Intruder',
      mobile: '13900000099',
    });
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('own pages');
    expect(emu.state.users.has('intruder')).toBe(false);
    // nor may it ask for auth codes
    const code = await send(
      emu,
      'POST',
      '/_emulator/jsapi/requestAuthCode',
      evil,
      {
        appKey: APP.appKey,
        userId: 'u1',
      },
    );
    expect(code.status).toBe(403);
    expect(code.headers['access-control-allow-origin']).toBeUndefined();
    // DingTalk's own APIs are server to server: no CORS either
    const api = await send(emu, 'POST', '/v1.0/oauth2/accessToken', evil, {
      appKey: APP.appKey,
      appSecret: APP.appSecret,
    });
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a page that rebinds its own name to the emulator', async () => {
    const host = `rebound.example:${emu.port}`;
    const res = await send(
      emu,
      'POST',
      '/_emulator/api/createUser',
      {
        host,
        origin: `http://${host}`,
        'sec-fetch-site': 'same-origin',
      },
      { corpId: APP.corpId, userId: 'intruder', name: 'I', mobile: '1' },
    );
    expect(res.status).toBe(403);
    expect(emu.state.users.has('intruder')).toBe(false);
  });

  it('serves its own pages and command-line clients', async () => {
    const own = await send(
      emu,
      'POST',
      '/_emulator/api/createUser',
      { origin: emu.baseUrl, 'sec-fetch-site': 'same-origin' },
      {
        corpId: APP.corpId,
        userId: 'u2',
        name: 'User Two',
        mobile: '13900000002',
      },
    );
    expect(own.status).toBe(200);
    const cli = await send(emu, 'POST', '/_emulator/api/calls', {}, {});
    expect(cli.status).toBe(200);
    const linked = await send(emu, 'GET', '/', {
      ...evil,
      'sec-fetch-mode': 'navigate',
    });
    expect(linked.status).toBe(200);
  });

  it('keeps secrets out of /state unless asked for them', async () => {
    emu.control.updateApp(APP.appKey, { cardApiSecret: 'card-api-secret' });
    const plain = await send(emu, 'GET', '/_emulator/api/state');
    expect(plain.status).toBe(200);
    const text = JSON.stringify(plain.body);
    for (const secret of [
      APP.appSecret,
      APP.aesKey,
      APP.token,
      'card-api-secret',
    ])
      expect(text).not.toContain(secret);
    expect(plain.body.apps[0]).toMatchObject({ appKey: APP.appKey });
    const asked = await send(emu, 'GET', '/_emulator/api/state?secrets=1');
    expect(asked.body.apps[0]).toMatchObject({
      aesKey: APP.aesKey,
      token: APP.token,
      appSecret: APP.appSecret,
      cardApiSecret: 'card-api-secret',
    });
  });

  it("gives auth codes to the app's own pages only, as DingTalk does", async () => {
    const res = await send(
      emu,
      'POST',
      '/_emulator/jsapi/requestAuthCode',
      { origin: 'http://localhost:7007', 'sec-fetch-site': 'same-site' },
      { appKey: APP.appKey, userId: 'u1' },
    );
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(
      'http://localhost:7007',
    );
    expect(res.body.code).toMatch(/^[0-9a-f]{24}$/);
    const preflight = await send(
      emu,
      'OPTIONS',
      '/_emulator/jsapi/requestAuthCode',
      {
        origin: 'http://localhost:7007',
        'access-control-request-method': 'POST',
      },
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(
      'http://localhost:7007',
    );
  });

  it('answers topapi/v2/user/get with the profile, avatar included', async () => {
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'u3',
      name: 'User Three',
      mobile: '13900000003',
      avatar: 'https://static.example/u3.png',
      email: 'u3@example.com',
    });
    const token = await send(
      emu,
      'POST',
      '/v1.0/oauth2/accessToken',
      {},
      {
        appKey: APP.appKey,
        appSecret: APP.appSecret,
      },
    );
    const res = await send(
      emu,
      'POST',
      `/topapi/v2/user/get?access_token=${token.body.accessToken}`,
      {},
      { userid: 'u3' },
    );
    expect(res.body).toMatchObject({
      errcode: 0,
      result: {
        userid: 'u3',
        name: 'User Three',
        avatar: 'https://static.example/u3.png',
        mobile: '13900000003',
        email: 'u3@example.com',
      },
    });
  });
});
