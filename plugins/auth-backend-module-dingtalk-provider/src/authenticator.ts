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
  AuthenticationError,
  InputError,
  NotAllowedError,
} from '@backstage/errors';
import {
  createOAuthAuthenticator,
  type OAuthAuthenticator,
  type OAuthAuthenticatorResult,
} from '@backstage/plugin-auth-node';
import type { DingtalkPerson } from './DingtalkSignInClient';
import { profileOf, type DingtalkProfile } from './profile';
import {
  readProviderSettings,
  type DingtalkProviderSettings,
} from './settings';

type DingtalkAuthenticatorContext = DingtalkProviderSettings & {
  callbackUrl: string;
};

// Backstage's frontend refreshes a session before this runs out; the refresh
// is where a person who left the organisation is noticed.
const SESSION_SECONDS = 3600;
const SIGN_IN_WINDOW_MS = 5 * 60_000;

/**
 * The DingTalk web login (`login.dingtalk.com/oauth2/auth`) as an OAuth
 * authenticator. State (and the nonce cookie behind it) is the framework's:
 * `createOAuthRouteHandlers` checks it before `authenticate` runs. DingTalk
 * has no PKCE (its authorisation page takes no `code_challenge` and
 * `/v1.0/oauth2/userAccessToken` no `code_verifier`), so the code is
 * exchanged with the client secret, server side only.
 *
 * @public
 */
export const dingtalkAuthenticator: OAuthAuthenticator<
  unknown,
  DingtalkProfile
> = createOAuthAuthenticator<DingtalkAuthenticatorContext, DingtalkProfile>({
  defaultProfileTransform: async ({ fullProfile }) => ({
    profile: {
      email: fullProfile.email,
      displayName: fullProfile.name,
      picture: fullProfile.avatarUrl,
    },
  }),
  initialize({ config, callbackUrl }) {
    return { ...readProviderSettings(config), callbackUrl };
  },
  async start(input, ctx) {
    const url = new URL(ctx.authorizeUrl);
    url.searchParams.set('client_id', ctx.clientId);
    url.searchParams.set('redirect_uri', ctx.callbackUrl);
    url.searchParams.set('response_type', 'code');
    // `corpid` makes DingTalk ask which organisation to sign in to, and
    // corpId picks ours for the person.
    url.searchParams.set('scope', ctx.corpId ? 'openid corpid' : 'openid');
    if (ctx.corpId) url.searchParams.set('corpId', ctx.corpId);
    url.searchParams.set('state', input.state);
    url.searchParams.set('prompt', 'consent');
    return { url: url.toString() };
  },
  async authenticate(input, ctx) {
    // DingTalk sends the code back as `authCode` and, for OAuth clients, as
    // `code` with the same value.
    const code = String(input.req.query.code ?? input.req.query.authCode ?? '');
    if (!code) {
      const reason = input.req.query.error ?? 'no authorisation code';
      throw new AuthenticationError(`DingTalk sign-in failed: ${reason}`);
    }
    const who = await ctx.client.exchangeWebCode(code);
    const corpId = ctx.corpId ?? who.corpId;
    if (!corpId) {
      throw new InputError(
        'DingTalk did not say which organisation was signed in to: set auth.providers.dingtalk.<env>.corpId',
      );
    }
    if (ctx.corpId && who.corpId && who.corpId !== ctx.corpId) {
      throw new NotAllowedError(
        'Signed in to another DingTalk organisation than this Backstage uses',
      );
    }
    // users/me names the account (unionId), not the member: only the
    // organisation's address book says who they are in it, and whether.
    const userId = await ctx.client.userIdByUnionId(who.unionId);
    const person = userId
      ? await ctx.client.directoryUser(corpId, userId)
      : undefined;
    if (!person) {
      throw new NotAllowedError(
        "This DingTalk account is not a member of the app's organisation",
      );
    }
    return result(ctx, person, 'oauth', Date.now());
  },
  async refresh(input, ctx) {
    const session = ctx.tokens.open(input.refreshToken);
    if (!session || (ctx.corpId && session.corpId !== ctx.corpId)) {
      throw new AuthenticationError('Not a DingTalk session of this app');
    }
    const now = Date.now();
    // The first refresh after the login-free sign-in is that sign-in itself
    // (a copy of that cookie kept for later is an ordinary session).
    if (session.signIn && now - session.verifiedAt < SIGN_IN_WINDOW_MS) {
      return result(ctx, session, session.via, session.verifiedAt);
    }
    if (now - session.verifiedAt < ctx.directoryRecheckMs) {
      return {
        fullProfile: profileOf(session, 'session'),
        session: sessionOf(input.refreshToken),
      };
    }
    const person = await ctx.client.directoryUser(
      session.corpId,
      session.userId,
    );
    if (!person) {
      throw new NotAllowedError(
        "No longer a member of the app's DingTalk organisation",
      );
    }
    return result(ctx, person, 'directory', now, session.via);
  },
});

function result(
  ctx: DingtalkAuthenticatorContext,
  person: DingtalkPerson,
  verified: DingtalkProfile['verified'],
  verifiedAt: number,
  via: 'oauth' | 'jsapi' = verified === 'jsapi' ? 'jsapi' : 'oauth',
): OAuthAuthenticatorResult<DingtalkProfile> {
  const token = ctx.tokens.seal({ ...toPerson(person), verifiedAt, via });
  return {
    fullProfile: profileOf(person, verified),
    session: sessionOf(token),
  };
}

function toPerson(p: DingtalkPerson): DingtalkPerson {
  const { corpId, userId, unionId, name, avatarUrl, email, mobile } = p;
  return { corpId, userId, unionId, name, avatarUrl, email, mobile };
}

function sessionOf(refreshToken: string) {
  // No DingTalk token reaches the browser: the user token served its one
  // read, and the app token is the backend's.
  return {
    accessToken: '',
    tokenType: 'bearer',
    scope: 'openid',
    expiresInSeconds: SESSION_SECONDS,
    refreshToken,
  };
}
