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

import { useEffect, useState, type ComponentProps } from 'react';
import { Progress, SignInPage } from '@backstage/core-components';
import {
  configApiRef,
  discoveryApiRef,
  errorApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { dingtalkAuthApiRef, dingtalkSignInProvider } from './dingtalkAuthApi';
import { isInsideDingtalk, signInInsideDingtalk } from './loginFree';

// SignInPage's own key for "the provider to sign in with on load".
const PROVIDER_STORAGE_KEY = '@backstage/core:SignInPage:provider';

/** @public */
export type DingtalkSignInPageProps = ComponentProps<typeof SignInPage>;

/**
 * Backstage's `SignInPage`, and inside the DingTalk client the login-free
 * sign-in first: the JSAPI's login code becomes a DingTalk session, and the
 * page then signs in with the DingTalk provider by itself (no prompt). Give it
 * `providers` including `dingtalkSignInProvider` (or `provider` set to it).
 *
 * @public
 */
export function DingtalkSignInPage(props: DingtalkSignInPageProps) {
  const discoveryApi = useApi(discoveryApiRef);
  const configApi = useApi(configApiRef);
  const errorApi = useApi(errorApiRef);
  const [checking, setChecking] = useState(() => isInsideDingtalk());

  useEffect(() => {
    if (!checking) return undefined;
    let cancelled = false;
    signInInsideDingtalk({
      discoveryApi,
      environment: configApi.getOptionalString('auth.environment'),
    })
      .then(signedIn => {
        if (signedIn) {
          localStorage.setItem(PROVIDER_STORAGE_KEY, providerIdOf(props));
        }
      })
      .catch(error => errorApi.post(error))
      .finally(() => {
        if (!cancelled) setChecking(false);
      });
    return () => {
      cancelled = true;
    };
    // once, on the first render
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (checking) return <Progress />;
  return <SignInPage {...props} />;
}

function providerIdOf(props: DingtalkSignInPageProps): string {
  const configs =
    'providers' in props ? props.providers : props.provider && [props.provider];
  for (const p of configs ?? []) {
    if (typeof p !== 'string' && p.apiRef.id === dingtalkAuthApiRef.id) {
      return p.id;
    }
  }
  return dingtalkSignInProvider.id;
}
