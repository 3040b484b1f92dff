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
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { JsapiSignIn } from './JsapiSignIn';

// What DingTalk's login codes look like (hex in the emulator, a few dozen
// URL-safe characters on DingTalk); anything else costs no DingTalk call.
const codeBody = z
  .object({ code: z.string().regex(/^[A-Za-z0-9._~+/=-]{8,128}$/) })
  .strict();
const envQuery = z.object({ env: z.string().min(1).max(64) });

export interface AddressLimit {
  perMinute: number;
}

/**
 * `GET /dingtalk/jsapi?env=` → `{ corpId, clientId, jsapiUrl? }` and
 * `POST /dingtalk/jsapi?env=` `{ code }` → the Backstage session (as
 * `/dingtalk/refresh` answers it, with the refresh cookie), on the auth
 * plugin's router, so `/api/auth/dingtalk/jsapi`.
 *
 * The code travels in the body, never in the URL, so that no access log has
 * it. The POST is a cross-site request forgery target (signing a victim in as
 * someone else), so it needs what Backstage's refresh route needs
 * (`X-Requested-With: XMLHttpRequest`, which a form cannot send and a
 * cross-origin script cannot send without CORS allowing it) and, when the
 * browser names an origin, one the auth backend allows.
 */
export function createJsapiRouter(deps: {
  jsapi: JsapiSignIn;
  isOriginAllowed: () => ((origin: string) => boolean) | undefined;
  limit?: AddressLimit;
  now?: () => number;
}): express.Router {
  const router = Router();
  // DingTalk's redirect carries the authorisation code in the URL, as every
  // OAuth provider's does. The root router's access log prints
  // `req.originalUrl`, so that is the URL without it (the framework's
  // handler reads `req.query`, which keeps it). This router runs before the
  // auth plugin's own: the module initialises first.
  router.use('/dingtalk/handler/frame', (req, _res, next) => {
    req.originalUrl = redactCodes(req.originalUrl);
    next();
  });
  const perMinute = deps.limit?.perMinute ?? 10;
  const now = deps.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();

  router.get('/dingtalk/jsapi', async (req, res) => {
    const { env } = parse(envQuery, req.query);
    res.json(deps.jsapi.describe(env));
  });

  router.post(
    '/dingtalk/jsapi',
    express.json({ limit: '4kb' }),
    async (req, res) => {
      if (req.get('x-requested-with') !== 'XMLHttpRequest') {
        throw new AuthenticationError('Invalid X-Requested-With header');
      }
      const origin = req.get('origin');
      const allowed = deps.isOriginAllowed();
      if (origin && allowed && !allowed(origin)) {
        throw new NotAllowedError(`Origin '${origin}' is not allowed`);
      }
      const { env } = parse(envQuery, req.query);
      // Each attempt costs a DingTalk call: at most `perMinute` from one
      // address for one environment (per backend instance; it bounds a
      // flood, DingTalk's own QPS limit is the backstop).
      const key = `${env} ${req.ip ?? 'unknown'}`;
      const t = now();
      const w = windows.get(key);
      if (!w || t - w.start >= 60_000) {
        if (windows.size > 10_000) windows.clear();
        windows.set(key, { start: t, count: 1 });
      } else if (++w.count > perMinute) {
        const retryAfter = Math.ceil((w.start + 60_000 - t) / 1000);
        res.setHeader('Retry-After', String(retryAfter));
        res.status(429).json({
          error: {
            name: 'TooManyRequests',
            message: `Too many DingTalk sign-in attempts from this address (at most ${perMinute} a minute): try again in ${retryAfter} s`,
          },
        });
        return;
      }
      const { code } = parse(codeBody, req.body);
      await deps.jsapi.signIn(req, res, env, code);
    },
  );
  return router;
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    // The value is never echoed: it may be a login code.
    throw new InputError(
      `Invalid request: ${result.error.issues
        .map(i => `${i.path.join('.') || 'body'} ${i.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}

/** The URL with the values of `code` and `authCode` replaced. */
export function redactCodes(url: string): string {
  return url.replace(/([?&](?:code|authCode)=)[^&#]*/gi, '$1<redacted>');
}
