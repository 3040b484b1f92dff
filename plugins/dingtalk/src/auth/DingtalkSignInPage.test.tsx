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

import { screen, waitFor } from '@testing-library/react';
import { ConfigReader, OAuthRequestManager } from '@backstage/core-app-api';
import {
  configApiRef,
  discoveryApiRef,
  type IdentityApi,
} from '@backstage/core-plugin-api';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  createDingtalkAuth,
  dingtalkAuthApiRef,
  dingtalkSignInProvider,
} from './dingtalkAuthApi';
import { DingtalkSignInPage } from './DingtalkSignInPage';

// The boundaries: the auth backend over HTTP (msw) and, inside DingTalk, the
// client's JSAPI (window.dd). The page, Backstage's SignInPage and the real
// OAuth2 DingTalk auth API run as in the app.
const server = setupServer();
const requests: string[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  requests.length = 0;
  server.events.on('request:start', ({ request }) => {
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}`);
  });
});
afterEach(() => {
  server.resetHandlers();
  server.events.removeAllListeners();
  localStorage.clear();
  delete (window as any).dd;
  window.history.replaceState(null, '', '/');
});
afterAll(() => server.close());

const AUTH = 'http://localhost:7007/api/auth';

function jwt(claims: object) {
  const part = (o: object) =>
    btoa(JSON.stringify(o))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
  return `${part({ alg: 'ES256' })}.${part(claims)}.c2ln`;
}

function renderPage(onSignInSuccess: (identity: IdentityApi) => void) {
  const configApi = new ConfigReader({
    app: { title: 'Backstage' },
    auth: { environment: 'development' },
  });
  const discoveryApi = { getBaseUrl: async () => AUTH };
  const authApi = createDingtalkAuth({
    configApi,
    discoveryApi,
    oauthRequestApi: new OAuthRequestManager(),
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [configApiRef, configApi],
        [discoveryApiRef, discoveryApi],
        [dingtalkAuthApiRef, authApi],
      ]}
    >
      <DingtalkSignInPage
        title="Backstage"
        providers={[dingtalkSignInProvider]}
        onSignInSuccess={onSignInSuccess}
      />
    </TestApiProvider>,
  );
}

describe('DingtalkSignInPage', () => {
  it('outside DingTalk shows the DingTalk option and asks the backend nothing', async () => {
    const onSignInSuccess = jest.fn();
    await renderPage(onSignInSuccess);
    expect(await screen.findByText('DingTalk')).toBeInTheDocument();
    expect(
      screen.getByText('Sign in with your DingTalk account (钉钉登录)'),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /sign in/i })).toBeEnabled();
    expect(requests).toEqual([]);
    expect(onSignInSuccess).not.toHaveBeenCalled();
  });

  it('inside DingTalk signs in by itself: the JSAPI code becomes the session, no button pressed', async () => {
    window.history.replaceState(null, '', '/?dd_app=dingdemoapp&dd_user=bob');
    const asked: Array<{ corpId: string; clientId?: string }> = [];
    (window as any).dd = {
      runtime: {
        permission: {
          requestAuthCode(opts: any) {
            asked.push({ corpId: opts.corpId, clientId: opts.clientId });
            setTimeout(() => opts.onSuccess({ code: 'login-code-1' }), 0);
          },
        },
      },
    };
    const posted: unknown[] = [];
    let sessionSet = false;
    server.use(
      http.get(`${AUTH}/dingtalk/jsapi`, ({ request }) => {
        expect(new URL(request.url).searchParams.get('env')).toBe(
          'development',
        );
        return HttpResponse.json({
          corpId: 'dingcorp1',
          clientId: 'dingdemoapp',
        });
      }),
      http.post(`${AUTH}/dingtalk/jsapi`, async ({ request }) => {
        // the code travels in the body, never in the URL
        expect(new URL(request.url).search).toBe('?env=development');
        posted.push(await request.json());
        sessionSet = true;
        return new HttpResponse(null, { status: 200 });
      }),
      http.get(`${AUTH}/dingtalk/refresh`, () => {
        if (!sessionSet)
          return HttpResponse.json(
            { error: { name: 'AuthenticationError', message: 'no session' } },
            { status: 401 },
          );
        return HttpResponse.json({
          providerInfo: { accessToken: '', scope: 'openid' },
          profile: { displayName: 'Bob Li' },
          backstageIdentity: {
            token: jwt({
              sub: 'user:default/bob',
              ent: ['user:default/bob'],
              exp: Math.floor(Date.now() / 1000) + 3600,
            }),
            identity: {
              type: 'user',
              userEntityRef: 'user:default/bob',
              ownershipEntityRefs: ['user:default/bob'],
            },
          },
        });
      }),
    );
    const onSignInSuccess = jest.fn();
    await renderPage(onSignInSuccess);

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1), {
      timeout: 10_000,
    });
    const identity: IdentityApi = onSignInSuccess.mock.calls[0][0];
    expect((await identity.getBackstageIdentity()).userEntityRef).toBe(
      'user:default/bob',
    );
    expect(asked).toEqual([{ corpId: 'dingcorp1', clientId: 'dingdemoapp' }]);
    expect(posted).toEqual([{ code: 'login-code-1' }]);
    // the login-free exchange first, then the provider's own session
    expect(requests.slice(0, 3)).toEqual([
      'GET /api/auth/dingtalk/jsapi',
      'POST /api/auth/dingtalk/jsapi',
      'GET /api/auth/dingtalk/refresh',
    ]);
    expect(screen.queryByRole('button', { name: /sign in/i })).toBeNull();
  });

  it('inside DingTalk without a login-free sign-in on the backend shows the DingTalk option', async () => {
    window.history.replaceState(null, '', '/?dd_user=bob');
    server.use(
      http.get(
        `${AUTH}/dingtalk/jsapi`,
        () => new HttpResponse(null, { status: 404 }),
      ),
    );
    const onSignInSuccess = jest.fn();
    await renderPage(onSignInSuccess);
    expect(
      await screen.findByRole('button', { name: /sign in/i }),
    ).toBeEnabled();
    expect(screen.getByText('DingTalk')).toBeInTheDocument();
    expect(requests).toEqual(['GET /api/auth/dingtalk/jsapi']);
    expect(onSignInSuccess).not.toHaveBeenCalled();
  });
});
