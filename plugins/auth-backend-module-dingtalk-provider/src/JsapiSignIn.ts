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

import { InputError, NotFoundError } from '@backstage/errors';
import { readDurationFromConfig, type Config } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type {
  AuthProviderFactory,
  AuthProviderRouteHandlers,
  CookieConfigurer,
} from '@backstage/plugin-auth-node';
import type { Request, Response } from 'express';
import {
  readProviderSettings,
  type DingtalkProviderSettings,
} from './settings';

type FactoryOptions = Parameters<AuthProviderFactory>[0];

const THOUSAND_DAYS_MS = 1000 * 24 * 3600_000;

const defaultCookieConfigurer: CookieConfigurer = ({
  callbackUrl,
  providerId,
  appOrigin,
}) => {
  const { hostname: domain, pathname, protocol } = new URL(callbackUrl);
  const secure = protocol === 'https:';
  const sameSite =
    new URL(appOrigin).hostname !== domain && secure ? 'none' : 'lax';
  const path = pathname.endsWith(`${providerId}/handler/frame`)
    ? pathname.slice(0, -'/handler/frame'.length)
    : `${pathname}/${providerId}`;
  return { path, secure, sameSite };
};

/**
 * The login-free sign-in inside the DingTalk client. A page opened from the
 * workbench or a card link asks the JSAPI for a login code
 * (`requestAuthCode`) and posts it here; the code names the member
 * (`topapi/v2/user/getuserinfo` with the app's token), this sets the
 * provider's refresh cookie to a session of that member and lets the
 * framework's own refresh handler finish: the same sign-in resolver, the same
 * Backstage identity response and cookie as after the web login.
 */
export class JsapiSignIn {
  #bound?: {
    options: FactoryOptions;
    handlers: AuthProviderRouteHandlers;
    envs: Map<string, DingtalkProviderSettings>;
  };

  /** Called by the provider factory once the auth plugin configured the provider. */
  bind(options: FactoryOptions, handlers: AuthProviderRouteHandlers) {
    this.#bound = { options, handlers, envs: new Map() };
  }

  /** What a page needs to ask DingTalk for a code; nothing secret. */
  describe(env: string) {
    const settings = this.#settings(env);
    return {
      corpId: settings.corpId,
      clientId: settings.clientId,
      jsapiUrl: settings.jsapiUrl,
    };
  }

  async signIn(req: Request, res: Response, env: string, code: string) {
    const settings = this.#settings(env);
    if (!settings.corpId) {
      throw new NotFoundError(
        'The login-free DingTalk sign-in needs auth.providers.dingtalk.<env>.corpId',
      );
    }
    const userId = await settings.client.userIdByLoginCode(code);
    const person = await settings.client.directoryUser(settings.corpId, userId);
    if (!person) {
      throw new InputError(
        "The DingTalk user is not in the app's organisation's address book",
      );
    }
    const token = settings.tokens.seal({
      ...person,
      verifiedAt: Date.now(),
      via: 'jsapi',
      signIn: true,
    });
    const { handlers } = this.#bound!;
    const cookie = this.#cookie(env, req.get('origin'));
    res.cookie(cookie.name, token, cookie.options);
    // The refresh handler reads the cookie from the request: this request
    // carries the new session, whatever cookie came with it.
    const cookies: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.cookies ?? {})) {
      if (k !== cookie.name && !k.startsWith(`${cookie.name}-`)) {
        cookies[k] = String(v);
      }
    }
    cookies[cookie.name] = token;
    req.cookies = cookies;
    req.query.env = env;
    try {
      await handlers.refresh!(req, res);
    } catch (error) {
      // No session cookie for a sign-in the resolver refused.
      if (!res.headersSent) res.removeHeader('Set-Cookie');
      throw error;
    }
  }

  #settings(env: string): DingtalkProviderSettings {
    if (!this.#bound) {
      throw new NotFoundError('The DingTalk auth provider is not configured');
    }
    const { envs, options } = this.#bound;
    let settings = envs.get(env);
    if (!settings) {
      const envConfig = options.config.getOptionalConfig(env);
      if (!envConfig) {
        throw new NotFoundError(
          `No DingTalk auth provider configured for the environment '${env}'`,
        );
      }
      settings = readProviderSettings(envConfig);
      envs.set(env, settings);
    }
    return settings;
  }

  // The same cookie as Backstage's OAuth handlers set: name, path (the
  // provider's base), lifetime (`sessionDuration`), SameSite and Secure from
  // the callback URL, or the app's cookie configurer.
  #cookie(env: string, origin?: string) {
    const { options } = this.#bound!;
    const envConfig: Config = options.config.getConfig(env);
    const callbackUrl =
      envConfig.getOptionalString('callbackUrl') ??
      `${options.baseUrl}/${options.providerId}/handler/frame`;
    const configurer: CookieConfigurer =
      options.cookieConfigurer ?? defaultCookieConfigurer;
    const appOrigin =
      origin && options.isOriginAllowed(origin)
        ? origin
        : new URL(options.appUrl).origin;
    const config = configurer({
      providerId: options.providerId,
      baseUrl: options.baseUrl,
      callbackUrl,
      appOrigin,
    });
    const maxAge = envConfig.has('sessionDuration')
      ? sessionDurationMs(envConfig)
      : THOUSAND_DAYS_MS;
    return {
      name: `${options.providerId}-refresh-token`,
      options: { httpOnly: true, sameSite: 'lax' as const, ...config, maxAge },
    };
  }
}

function sessionDurationMs(config: Config): number {
  return durationToMilliseconds(
    readDurationFromConfig(config, { key: 'sessionDuration' }),
  );
}
