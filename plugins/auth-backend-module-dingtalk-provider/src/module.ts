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
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  commonSignInResolvers,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { dingtalkAuthenticator } from './authenticator';
import { DingtalkBackendAccountLinker } from './DingtalkAccountLinker';
import { JsapiSignIn } from './JsapiSignIn';
import { createJsapiRouter } from './jsapiRouter';
import { createDingtalkSignInResolverFactories } from './resolvers';

/**
 * Sign in with DingTalk: provider `dingtalk` of the auth backend (web login
 * at `/api/auth/dingtalk/start`, login-free sign-in inside DingTalk at
 * `/api/auth/dingtalk/jsapi`).
 *
 * @public
 */
export const authModuleDingtalkProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'dingtalk-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        httpRouter: coreServices.httpRouter,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        auditor: coreServices.auditor,
        logger: coreServices.logger,
      },
      async init({ providers, httpRouter, auth, discovery, auditor, logger }) {
        const oauth = createOAuthProviderFactory({
          authenticator: dingtalkAuthenticator,
          signInResolverFactories: {
            ...commonSignInResolvers,
            ...createDingtalkSignInResolverFactories({
              linker: new DingtalkBackendAccountLinker({
                auth,
                discovery,
                auditor,
                logger,
              }),
            }),
          },
        });
        const jsapi = new JsapiSignIn();
        let isOriginAllowed: ((origin: string) => boolean) | undefined;
        providers.registerProvider({
          providerId: 'dingtalk',
          factory: options => {
            const handlers = oauth(options);
            jsapi.bind(options, handlers);
            isOriginAllowed = options.isOriginAllowed;
            return handlers;
          },
        });
        httpRouter.use(
          createJsapiRouter({ jsapi, isOriginAllowed: () => isOriginAllowed }),
        );
      },
    });
  },
});
