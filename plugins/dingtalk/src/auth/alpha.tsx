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

import {
  ApiBlueprint,
  configApiRef,
  createFrontendModule,
  discoveryApiRef,
  oauthRequestApiRef,
  type FrontendModule,
} from '@backstage/frontend-plugin-api';
import type { IdentityProviders } from '@backstage/core-components';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import {
  createDingtalkAuth,
  dingtalkAuthApiRef,
  dingtalkSignInProvider,
} from './dingtalkAuthApi';

// The DingTalk auth API goes with the sign-in page that needs the API, in one
// module of the app plugin: that module alone is the whole setup.
const dingtalkAuthApi = ApiBlueprint.make({
  name: 'dingtalk-auth',
  params: defineParams =>
    defineParams({
      api: dingtalkAuthApiRef,
      deps: {
        configApi: configApiRef,
        discoveryApi: discoveryApiRef,
        oauthRequestApi: oauthRequestApiRef,
      },
      factory: deps => createDingtalkAuth(deps),
    }),
});

/**
 * A module of the app plugin with the DingTalk auth API (`dingtalkAuthApiRef`)
 * and a sign-in page that offers DingTalk (and, inside the DingTalk client,
 * signs in without a prompt). `providers` defaults to DingTalk alone; a
 * development app may put `'guest'` next to it.
 *
 * @alpha
 */
export function createDingtalkSignInModule(
  options: { providers?: IdentityProviders } = {},
): FrontendModule {
  const providers = options.providers ?? [dingtalkSignInProvider];
  return createFrontendModule({
    pluginId: 'app',
    extensions: [
      dingtalkAuthApi,
      // No name: the same id as the app's own sign-in page
      // (`sign-in-page:app`), which this module then replaces.
      SignInPageBlueprint.make({
        params: {
          loader: async () => {
            const { DingtalkSignInPage } = await import('./DingtalkSignInPage');
            return props => (
              <DingtalkSignInPage {...props} providers={providers} />
            );
          },
        },
      }),
    ],
  });
}
