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

// Tokens: app access tokens (new- and old-style), web OAuth user tokens and
// the user they belong to, and the auth codes the JSAPI gives an app's pages.
import crypto from 'node:crypto';
import { TOKEN_TTL_S, type EmulatorContext } from '../context';
import { ApiError, newStyleError, requireFields } from '../errors';
import type { EmulatorControl } from '../types';

export function authSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'issueAuthCode'> {
  const { app } = ctx;

  function issueToken(appKey: string): string {
    const token = crypto.randomBytes(16).toString('hex');
    ctx.state.tokens.set(token, {
      appKey,
      expiresAt: ctx.now() + TOKEN_TTL_S * 1000,
    });
    const fetches = ctx.state.tokenFetches;
    fetches.set(appKey, (fetches.get(appKey) ?? 0) + 1);
    return token;
  }

  app.post('/v1.0/oauth2/accessToken', (req, res) => {
    const { appKey, appSecret } = req.body ?? {};
    const emuApp = appKey ? ctx.state.apps.get(appKey) : undefined;
    if (!appKey || !appSecret) {
      const missing = appKey ? 'appSecret' : 'appKey';
      res
        .status(400)
        .json(
          newStyleError(
            `Missing${missing}`,
            `${missing} is mandatory for this action.`,
          ),
        );
      return;
    }
    if (!emuApp || emuApp.appSecret !== appSecret) {
      res
        .status(400)
        .json(
          newStyleError(
            'invalidClientIdOrSecret',
            '无效的clientId或者clientSecret',
          ),
        );
      return;
    }
    res.json({ accessToken: issueToken(appKey), expireIn: TOKEN_TTL_S });
  });

  app.get('/gettoken', (req, res) => {
    const appKey = String(req.query.appkey ?? '');
    const appSecret = String(req.query.appsecret ?? '');
    const emuApp = ctx.state.apps.get(appKey);
    if (!emuApp || emuApp.appSecret !== appSecret) {
      res.json({ errcode: 40089, errmsg: '不合法的appKey或appSecret' });
      return;
    }
    res.json({
      errcode: 0,
      errmsg: 'ok',
      access_token: issueToken(appKey),
      expires_in: TOKEN_TTL_S,
    });
  });

  // web OAuth (login with DingTalk in a browser): a login code, or a
  // refresh token, for a user access token
  const refreshTokens = new Map<
    string,
    { appKey: string; userId: string; expiresAt: number }
  >();
  ctx.onReset(() => refreshTokens.clear());
  app.post('/v1.0/oauth2/userAccessToken', (req, res) => {
    const body = req.body ?? {};
    const { clientId, clientSecret, grantType } = body;
    try {
      requireFields(body, ['clientId', 'clientSecret', 'grantType']);
      if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
        throw new ApiError(
          400,
          'InvalidParameter.grantType',
          'grantType must be authorization_code or refresh_token',
        );
      requireFields(body, [
        grantType === 'authorization_code' ? 'code' : 'refreshToken',
      ]);
    } catch (e) {
      const err = e as ApiError;
      res.status(400).json(newStyleError(err.code, err.message));
      return;
    }
    const emuApp = ctx.state.apps.get(clientId);
    const grant =
      grantType === 'authorization_code'
        ? ctx.state.authCodes.get(body.code)
        : refreshTokens.get(body.refreshToken);
    if (
      !emuApp ||
      emuApp.appSecret !== clientSecret ||
      !grant ||
      grant.appKey !== clientId ||
      grant.expiresAt <= ctx.now()
    ) {
      res.status(400).json(newStyleError('invalidCode', '无效的授权码'));
      return;
    }
    // a login code is good once; a refresh token until it is replaced
    if (grantType === 'authorization_code')
      ctx.state.authCodes.delete(body.code);
    else refreshTokens.delete(body.refreshToken);
    const token = crypto.randomBytes(16).toString('hex');
    ctx.state.tokens.set(token, {
      appKey: clientId,
      expiresAt: ctx.now() + TOKEN_TTL_S * 1000,
      user: grant.userId,
    });
    const refreshToken = crypto.randomBytes(16).toString('hex');
    refreshTokens.set(refreshToken, {
      appKey: clientId,
      userId: grant.userId,
      // DingTalk's refresh tokens last about 30 days
      expiresAt: ctx.now() + 30 * 24 * 3600_000,
    });
    res.json({
      accessToken: token,
      refreshToken,
      expireIn: TOKEN_TTL_S,
      corpId: emuApp.corpId,
    });
  });

  app.get('/v1.0/contact/users/me', (req, res) => {
    const entry = ctx.state.tokens.get(
      req.header('x-acs-dingtalk-access-token') ?? '',
    );
    const user = entry?.user ? ctx.state.users.get(entry.user) : undefined;
    if (!user || entry!.expiresAt <= ctx.now()) {
      res
        .status(401)
        .json(newStyleError('InvalidAuthentication', '不合法的access_token'));
      return;
    }
    res.json({
      nick: user.name,
      unionId: user.unionId,
      openId: user.unionId,
      mobile: user.mobile,
      stateCode: '86',
    });
  });

  // The JSAPI stand-in's requestAuthCode, for H5 pages opened from the
  // simulator (browserGuard lets only the app's own origins call it).
  app.post('/_emulator/jsapi/requestAuthCode', (req, res) => {
    try {
      res.json(
        ctx.control.issueAuthCode({
          appKey: String(req.body?.appKey ?? ''),
          userId: String(req.body?.userId ?? ''),
        }),
      );
    } catch (e) {
      const err = e as ApiError;
      res
        .status(err.status && err.status < 500 ? err.status : 400)
        .json({ error: err.message });
    }
  });

  return {
    issueAuthCode({ appKey, userId }) {
      ctx.appOf(appKey);
      if (!ctx.state.users.has(userId))
        throw new ApiError(404, 'user.not.found', `unknown user ${userId}`);
      const code = crypto.randomBytes(12).toString('hex');
      ctx.state.authCodes.set(code, {
        appKey,
        userId,
        expiresAt: ctx.now() + 5 * 60_000,
      });
      return { code };
    },
  };
}
