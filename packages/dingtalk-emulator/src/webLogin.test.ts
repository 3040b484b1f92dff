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

import { createEmulator, type EmulatorHandle } from './createEmulator';

describe("DingTalk's web login page (emulator)", () => {
  let emu: EmulatorHandle;
  const backstage = 'http://localhost:7007';
  const redirectUri = `${backstage}/api/auth/dingtalk/handler/frame`;

  beforeAll(async () => {
    emu = await createEmulator({ port: 0 });
    emu.control.createCorp({ corpId: 'dingweb', name: 'Web <Corp>' });
    emu.control.createApp({
      corpId: 'dingweb',
      appKey: 'dingwebapp',
      appSecret: 'web-app-secret',
      agentId: '1',
      aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
      token: 't',
      edition: 'standard',
      eventUrl: `${backstage}/api/dingtalk/integrations/x/events`,
    } as any);
    emu.control.createUser({
      corpId: 'dingweb',
      userId: 'bob',
      unionId: 'union-bob',
      name: 'Bob <b>Li</b>',
      mobile: '13800000002',
    });
    emu.control.createCorp({ corpId: 'dingother' });
    emu.control.createUser({
      corpId: 'dingother',
      userId: 'eve',
      unionId: 'union-eve',
      name: 'Eve',
      mobile: '13900000009',
    });
  });
  afterAll(() => emu.close());

  const authorize = (params: Record<string, string>) =>
    fetch(
      `${emu.baseUrl}/oauth2/auth?${new URLSearchParams({
        client_id: 'dingwebapp',
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        state: 'the-state',
        prompt: 'consent',
        ...params,
      })}`,
    );
  const choose = (fields: Record<string, string>) =>
    fetch(`${emu.baseUrl}/oauth2/auth`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: 'dingwebapp',
        redirect_uri: redirectUri,
        response_type: 'code',
        state: 'the-state',
        ...fields,
      }),
      redirect: 'manual',
    });

  it("lists the app's organisation's people, escaped, and no one else", async () => {
    const res = await authorize({});
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Bob &lt;b&gt;Li&lt;/b&gt;');
    expect(html).toContain('Web &lt;Corp&gt;');
    expect(html).not.toContain('<b>Li</b>');
    expect(html).not.toContain('Eve');
    expect(html).toContain('name="state" value="the-state"');
  });

  it('redirects with the code under both names and the state; the code is exchanged once', async () => {
    const res = await choose({ userId: 'bob' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('the-state');
    const code = back.searchParams.get('authCode')!;
    expect(back.searchParams.get('code')).toBe(code);

    const exchange = () =>
      fetch(`${emu.baseUrl}/v1.0/oauth2/userAccessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId: 'dingwebapp',
          clientSecret: 'web-app-secret',
          code,
          grantType: 'authorization_code',
        }),
      });
    const token = await exchange();
    expect(token.status).toBe(200);
    const me = await fetch(`${emu.baseUrl}/v1.0/contact/users/me`, {
      headers: {
        'x-acs-dingtalk-access-token': (await token.json()).accessToken,
      },
    });
    expect((await me.json()).unionId).toBe('union-bob');
    expect((await exchange()).status).toBe(400);
  });

  it('sends a refusal back as error=access_denied', async () => {
    const res = await choose({ deny: '1' });
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('redirects only to the app’s own origins, and only for known apps', async () => {
    const elsewhere = await authorize({
      redirect_uri: 'https://evil.example.com/steal',
    });
    expect(elsewhere.status).toBe(400);
    expect(
      (
        await choose({
          userId: 'bob',
          redirect_uri: 'https://evil.example.com/',
        })
      ).status,
    ).toBe(400);
    expect((await authorize({ client_id: 'nope' })).status).toBe(400);
    expect((await authorize({ response_type: 'token' })).status).toBe(400);
    // a person of another organisation cannot be chosen
    expect((await choose({ userId: 'eve' })).status).toBe(400);
  });

  it('finds the member by unionId in the app’s organisation only', async () => {
    const { accessToken } = await (
      await fetch(`${emu.baseUrl}/v1.0/oauth2/accessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          appKey: 'dingwebapp',
          appSecret: 'web-app-secret',
        }),
      })
    ).json();
    const byUnionId = async (unionid: string) =>
      (
        await fetch(
          `${emu.baseUrl}/topapi/user/getbyunionid?access_token=${accessToken}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ unionid }),
          },
        )
      ).json();
    expect(await byUnionId('union-bob')).toMatchObject({
      errcode: 0,
      result: { userid: 'bob', contact_type: 0 },
    });
    expect(await byUnionId('union-eve')).toMatchObject({ errcode: 60121 });
  });
});
