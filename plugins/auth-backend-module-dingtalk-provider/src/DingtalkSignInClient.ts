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

// The few DingTalk calls sign-in needs, made with plain fetch: this module
// runs inside the auth plugin and must not need the DingTalk plugin, its
// database or its integrations. Sign-in is rare next to messaging, and the
// calls it makes (user info by login code, user by unionId) are among the
// ones DingTalk exempts from the monthly quota.
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { z } from 'zod';

/** What the module knows of the person once DingTalk answered. */
export interface DingtalkPerson {
  corpId: string;
  userId: string;
  unionId?: string;
  name?: string;
  avatarUrl?: string;
  email?: string;
  mobile?: string;
}

export interface DingtalkSignInClientOptions {
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  oapiBaseUrl: string;
  timeoutMs?: number;
  now?: () => number;
}

const appToken = z.object({ accessToken: z.string(), expireIn: z.number() });
const userToken = z.object({
  accessToken: z.string(),
  corpId: z.string().optional(),
});
const me = z.object({
  unionId: z.string(),
  nick: z.string().optional(),
  avatarUrl: z.string().optional(),
  email: z.string().optional(),
  mobile: z.string().optional(),
  stateCode: z.string().optional(),
});
const oldStyle = z.object({
  errcode: z.number(),
  errmsg: z.string().optional(),
  sub_code: z.string().optional(),
  result: z.unknown().optional(),
});
const byUnionId = z.object({ userid: z.string() });
const byCode = z.object({
  userid: z.string(),
  unionid: z.string().optional(),
  name: z.string().optional(),
});
const directoryUser = z.object({
  userid: z.string(),
  unionid: z.string().optional(),
  name: z.string().optional(),
  avatar: z.string().optional(),
  email: z.string().optional(),
  org_email: z.string().optional(),
  mobile: z.string().optional(),
});

// Old-style answers that mean "the token is no longer good": fetch a new one
// and try once more (40014 may also arrive as errcode 88 with the cause in
// sub_code, as DingTalk's global error-code page shows).
const TOKEN_ERRCODES = new Set(['40014', '40001', '42001']);
// The person is not in the organisation (60121 user not found; 60011/50002
// no permission for them, e.g. outside the app's visible range).
const NOT_A_MEMBER = new Set(['60121', '60011', '50002', '60003']);

/** @internal */
export class DingtalkSignInClient {
  #opts: DingtalkSignInClientOptions;
  #token?: { value: string; expiresAt: number };
  #pending?: Promise<string>;

  constructor(opts: DingtalkSignInClientOptions) {
    this.#opts = opts;
  }

  /** Authorisation code of the web login → who signed in (unionId and what their account shows). */
  async exchangeWebCode(code: string): Promise<{
    unionId: string;
    corpId?: string;
    nick?: string;
    avatarUrl?: string;
  }> {
    const token = await this.#newStyle(
      'POST',
      '/v1.0/oauth2/userAccessToken',
      {
        body: {
          clientId: this.#opts.clientId,
          clientSecret: this.#opts.clientSecret,
          code,
          grantType: 'authorization_code',
        },
      },
      userToken,
      'DingTalk refused the authorisation code',
    );
    // The user token is used for this one read and then dropped: the module
    // never acts in DingTalk as the person.
    const profile = await this.#newStyle(
      'GET',
      '/v1.0/contact/users/me',
      { headers: { 'x-acs-dingtalk-access-token': token.accessToken } },
      me,
      'DingTalk refused to say who signed in',
    );
    return {
      unionId: profile.unionId,
      corpId: token.corpId,
      nick: profile.nick,
      avatarUrl: profile.avatarUrl,
    };
  }

  /** Login-free code from JSAPI requestAuthCode → the member's userId. */
  async userIdByLoginCode(code: string): Promise<string> {
    const result = await this.#oldStyle(
      '/topapi/v2/user/getuserinfo',
      { code },
      byCode,
      'DingTalk refused the login code',
    );
    return result.userid;
  }

  /** unionId → userId in the app's organisation; undefined for someone outside it. */
  async userIdByUnionId(unionId: string): Promise<string | undefined> {
    try {
      const result = await this.#oldStyle(
        '/topapi/user/getbyunionid',
        { unionid: unionId },
        byUnionId,
        'DingTalk could not find the person',
      );
      return result.userid;
    } catch (e) {
      if (e instanceof NotAllowedError) return undefined;
      throw e;
    }
  }

  /** The member as the organisation's address book has them; undefined when they left. */
  async directoryUser(
    corpId: string,
    userId: string,
  ): Promise<DingtalkPerson | undefined> {
    try {
      const u = await this.#oldStyle(
        '/topapi/v2/user/get',
        { userid: userId, language: 'en_US' },
        directoryUser,
        'DingTalk could not read the person',
      );
      return {
        corpId,
        userId: u.userid,
        unionId: u.unionid || undefined,
        name: u.name || undefined,
        avatarUrl: u.avatar || undefined,
        // The address book's email is the one the organisation set; the
        // org_email is the enterprise mailbox when there is one.
        email: u.org_email || u.email || undefined,
        mobile: u.mobile || undefined,
      };
    } catch (e) {
      if (e instanceof NotAllowedError) return undefined;
      throw e;
    }
  }

  async #appToken(fresh = false): Promise<string> {
    const now = (this.#opts.now ?? Date.now)();
    if (!fresh && this.#token && this.#token.expiresAt > now) {
      return this.#token.value;
    }
    if (!this.#pending) {
      this.#pending = this.#newStyle(
        'POST',
        '/v1.0/oauth2/accessToken',
        {
          body: {
            appKey: this.#opts.clientId,
            appSecret: this.#opts.clientSecret,
          },
        },
        appToken,
        'DingTalk refused the app credentials',
      )
        .then(t => {
          // Renew five minutes early so that no call goes out with a token
          // that expires on the way.
          this.#token = {
            value: t.accessToken,
            expiresAt: now + Math.max(60, t.expireIn - 300) * 1000,
          };
          return t.accessToken;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    return this.#pending;
  }

  async #oldStyle<T>(
    path: string,
    body: object,
    schema: z.ZodType<T>,
    refusal: string,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#appToken(attempt > 0);
      const url = new URL(path, this.#opts.oapiBaseUrl);
      url.searchParams.set('access_token', token);
      const answer = parsed(
        oldStyle,
        await this.#fetchJson(url, { method: 'POST', body }),
        path,
      );
      if (answer.errcode === 0) return parsed(schema, answer.result, path);
      const cause = answer.sub_code ?? String(answer.errcode);
      if (TOKEN_ERRCODES.has(cause) && attempt === 0) continue;
      if (NOT_A_MEMBER.has(cause)) {
        throw new NotAllowedError(`${refusal} (DingTalk ${cause})`);
      }
      // Codes are never part of the message: DingTalk's errmsg does not echo
      // them, and this module never adds them.
      throw new AuthenticationError(
        `${refusal} (DingTalk ${cause}${
          answer.errmsg ? `: ${answer.errmsg}` : ''
        })`,
      );
    }
  }

  async #newStyle<T>(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: object; headers?: Record<string, string> },
    schema: z.ZodType<T>,
    refusal: string,
  ): Promise<T> {
    const url = new URL(path, this.#opts.apiBaseUrl);
    const answer = (await this.#fetchJson(url, { method, ...init }, true)) as {
      status: number;
      body: any;
    };
    if (answer.status >= 200 && answer.status < 300) {
      return parsed(schema, answer.body, path);
    }
    throw new AuthenticationError(
      `${refusal} (DingTalk ${answer.status} ${answer.body?.code ?? ''})`,
    );
  }

  async #fetchJson(
    url: URL,
    init: { method: string; body?: object; headers?: Record<string, string> },
    withStatus = false,
  ): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: init.method,
        headers: {
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body: init.body ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      // Not the URL: an old-style URL carries the app token.
      throw new AuthenticationError(
        `DingTalk did not answer ${url.pathname}: ${(e as Error).name}`,
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new AuthenticationError(
        `DingTalk answered ${url.pathname} with ${res.status} and no JSON`,
      );
    }
    return withStatus ? { status: res.status, body } : body;
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AuthenticationError(
      `DingTalk answered ${path} in an unexpected shape`,
    );
  }
  return result.data;
}
