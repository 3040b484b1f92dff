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

import { OAuth2 } from '@backstage/core-app-api';
import {
  createApiFactory,
  createApiRef,
  configApiRef,
  discoveryApiRef,
  oauthRequestApiRef,
  type ApiRef,
  type BackstageIdentityApi,
  type ConfigApi,
  type DiscoveryApi,
  type OAuthApi,
  type OAuthRequestApi,
  type OpenIdConnectApi,
  type ProfileInfoApi,
  type SessionApi,
} from '@backstage/core-plugin-api';
import type { SignInProviderConfig } from '@backstage/core-components';

/**
 * Sign in with DingTalk (the auth backend's provider `dingtalk`, from
 * `@dingtalk-oncall/backstage-plugin-auth-backend-module-dingtalk-provider`).
 * Its access token is empty: sessions carry no DingTalk token to the browser.
 *
 * @public
 */
export const dingtalkAuthApiRef: ApiRef<
  OAuthApi &
    OpenIdConnectApi &
    ProfileInfoApi &
    BackstageIdentityApi &
    SessionApi
> = createApiRef({ id: 'core.auth.dingtalk' });

/** @public */
export function createDingtalkAuth(deps: {
  configApi: ConfigApi;
  discoveryApi: DiscoveryApi;
  oauthRequestApi: OAuthRequestApi;
}) {
  return OAuth2.create({
    configApi: deps.configApi,
    discoveryApi: deps.discoveryApi,
    oauthRequestApi: deps.oauthRequestApi,
    provider: { id: 'dingtalk', title: 'DingTalk', icon: () => null },
    environment: deps.configApi.getOptionalString('auth.environment'),
    defaultScopes: ['openid'],
  });
}

/**
 * The DingTalk auth API for the legacy frontend system: add it to
 * `createApp({ apis: [...] })`.
 *
 * @public
 */
export const dingtalkAuthApiFactory = createApiFactory({
  api: dingtalkAuthApiRef,
  deps: {
    configApi: configApiRef,
    discoveryApi: discoveryApiRef,
    oauthRequestApi: oauthRequestApiRef,
  },
  factory: deps => createDingtalkAuth(deps),
});

/**
 * DingTalk's entry on the sign-in page (`SignInPage`'s `providers`).
 *
 * @public
 */
export const dingtalkSignInProvider: SignInProviderConfig = {
  id: 'dingtalk-auth-provider',
  title: 'DingTalk',
  message: 'Sign in with your DingTalk account (钉钉登录)',
  apiRef: dingtalkAuthApiRef,
};
