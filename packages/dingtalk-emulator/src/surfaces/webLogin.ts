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

// DingTalk's web login as login.dingtalk.com serves it: the authorisation
// page (`/oauth2/auth`) where, instead of scanning a QR code, you choose who
// signs in from the app's organisation; it sends the browser back to the
// app's redirect_uri with a one-time code (`code` and `authCode`, the same
// value, and `state` as given), which `/v1.0/oauth2/userAccessToken`
// exchanges. Also `topapi/user/getbyunionid`, which turns the unionId of
// `/v1.0/contact/users/me` into the member's userId.
import express from 'express';
import type { EmulatorContext } from '../context';
import { ApiError, requireFields } from '../errors';
import type { EmuApp } from '../state';

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ]!),
  );

export function webLoginSurface(ctx: EmulatorContext): {} {
  const { app } = ctx;

  // DingTalk sends codes only to the redirect URLs registered for the app
  // (its "安全设置 / 重定向 URL"); the emulator takes the origins of the
  // app's own URLs (event subscription, card callback) and `allowedOrigins`
  // as that list, so that it redirects nowhere else.
  function checkRedirect(emuApp: EmuApp, redirectUri: string): URL {
    let url: URL;
    try {
      url = new URL(redirectUri);
    } catch {
      throw new ApiError(400, 'invalidRedirectUri', 'redirect_uri 不合法');
    }
    const origins = new Set(ctx.options.allowedOrigins ?? []);
    for (const u of [emuApp.eventUrl, emuApp.cardCallbackUrl]) {
      try {
        if (u) origins.add(new URL(u).origin);
      } catch {
        // not a URL: no origin
      }
    }
    if (!/^https?:$/.test(url.protocol) || !origins.has(url.origin)) {
      throw new ApiError(
        400,
        'invalidRedirectUri',
        `redirect_uri 与应用登记的回调域名不一致: ${url.origin}`,
      );
    }
    return url;
  }

  function params(source: Record<string, unknown>) {
    const get = (k: string) =>
      typeof source[k] === 'string' ? (source[k] as string) : '';
    const clientId = get('client_id');
    const emuApp = ctx.state.apps.get(clientId);
    if (!emuApp) {
      throw new ApiError(400, 'invalidClientId', `未知的 client_id`);
    }
    if (get('response_type') !== 'code') {
      throw new ApiError(400, 'invalidResponseType', 'response_type 须为 code');
    }
    return {
      emuApp,
      redirect: checkRedirect(emuApp, get('redirect_uri')),
      redirectUri: get('redirect_uri'),
      state: get('state'),
      scope: get('scope'),
    };
  }

  function fail(res: express.Response, e: unknown) {
    const err = e as ApiError;
    res
      .status(err.status && err.status < 500 ? err.status : 400)
      .type('html')
      .send(
        `<!doctype html><meta charset="utf-8"><title>钉钉登录</title><p>${escape(
          err.message ?? String(e),
        )}</p>`,
      );
  }

  app.get('/oauth2/auth', (req, res) => {
    try {
      const p = params(req.query as Record<string, unknown>);
      const people = [...ctx.state.users.values()].filter(
        u => u.corpId === p.emuApp.corpId && u.active !== false,
      );
      const corp = ctx.state.corps.get(p.emuApp.corpId);
      const hidden = (name: string, value: string) =>
        `<input type="hidden" name="${name}" value="${escape(value)}">`;
      const fields = [
        hidden('client_id', p.emuApp.appKey),
        hidden('redirect_uri', p.redirectUri),
        hidden('response_type', 'code'),
        hidden('state', p.state),
        hidden('scope', p.scope),
      ].join('');
      res.type('html').send(`<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>钉钉登录 (emulator)</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}button{display:block;width:100%;margin:.4rem 0;padding:.6rem;font-size:1rem}</style>
</head><body>
<h1>钉钉 DingTalk</h1>
<p>Sign in to <strong>${escape(
        corp?.name ?? p.emuApp.corpId,
      )}</strong> as (the emulator stands in for scanning the QR code):</p>
<form method="post" action="/oauth2/auth">${fields}
${people
  .map(
    u =>
      `<button type="submit" name="userId" value="${escape(u.userId)}">${escape(
        u.name,
      )} <small>(${escape(u.userId)})</small></button>`,
  )
  .join('\n')}
<button type="submit" name="deny" value="1">Cancel</button>
</form></body></html>`);
    } catch (e) {
      fail(res, e);
    }
  });

  app.post(
    '/oauth2/auth',
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req, res) => {
      try {
        const p = params(req.body ?? {});
        const back = new URL(p.redirect);
        if (p.state) back.searchParams.set('state', p.state);
        if (req.body.deny) {
          back.searchParams.set('error', 'access_denied');
          res.redirect(302, back.toString());
          return;
        }
        const userId = String(req.body.userId ?? '');
        const user = ctx.state.users.get(userId);
        if (!user || user.corpId !== p.emuApp.corpId) {
          throw new ApiError(400, 'invalidUser', `unknown user ${userId}`);
        }
        const { code } = ctx.control.issueAuthCode({
          appKey: p.emuApp.appKey,
          userId,
        });
        back.searchParams.set('code', code);
        back.searchParams.set('authCode', code);
        res.redirect(302, back.toString());
      } catch (e) {
        fail(res, e);
      }
    },
  );

  ctx.oldApi(
    '/topapi/user/getbyunionid',
    'user.getbyunionid',
    (req, emuApp) => {
      requireFields(req.body, ['unionid']);
      const user = [...ctx.state.users.values()].find(
        u =>
          u.unionId === String(req.body.unionid) && u.corpId === emuApp.corpId,
      );
      if (!user)
        throw new ApiError(400, 'user.not.found', '找不到该用户', 60121);
      // contact_type 0: an internal member (1 would be an external contact)
      return { result: { contact_type: 0, userid: user.userId } };
    },
  );

  return {};
}
