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

import type express from 'express';
import type { EmuApp } from './state';
import type { EmulatorOptions } from './types';

/**
 * The emulator listens on a developer's machine, where any web page they
 * visit could send it requests. DingTalk's own APIs are server to server and
 * get no CORS headers; the control API, /state and the simulator UI answer
 * only the emulator's own origin and clients that are not browsers (no
 * Origin, no Sec-Fetch-Site); the JSAPI stand-in's requestAuthCode answers
 * the origins of the apps' own backends too, as DingTalk gives codes only to
 * an app's pages.
 */
export function browserGuard(deps: {
  options: EmulatorOptions;
  apps: () => Iterable<EmuApp>;
}): express.RequestHandler {
  const hosts = new Set(
    [
      'localhost',
      '127.0.0.1',
      '[::1]',
      deps.options.host ?? '',
      ...(deps.options.allowedHosts ?? []),
    ]
      .filter(h => h && h !== '0.0.0.0')
      .map(h => h.toLowerCase()),
  );
  const appOrigins = () => {
    const origins = new Set(deps.options.allowedOrigins ?? []);
    for (const a of deps.apps())
      for (const url of [a.eventUrl, a.cardCallbackUrl]) {
        try {
          if (url) origins.add(new URL(url).origin);
        } catch {
          // not a URL: no origin to allow
        }
      }
    return origins;
  };
  return (req, res, next) => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    const host = String(req.headers.host ?? '').toLowerCase();
    const fromBrowser = origin !== undefined || site !== undefined;
    const sameOrigin =
      origin === undefined
        ? site === undefined || site === 'same-origin' || site === 'none'
        : origin === `http://${host}`;
    const refuse = (why: string) =>
      res.status(403).json({ code: 'Forbidden', message: why });
    if (req.path === '/_emulator/jsapi/requestAuthCode') {
      if (origin && !sameOrigin) {
        if (!appOrigins().has(origin))
          return refuse(`origin ${origin} is not an app's own origin`);
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Allow-Headers', 'content-type');
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Vary', 'Origin');
      }
      if (req.method === 'OPTIONS') return res.status(204).end();
      return next();
    }
    // A classic <script src> sends neither Origin nor a same-origin
    // Sec-Fetch-Site: the stand-in itself is public.
    if (req.path === '/_emulator/jsapi-shim.js') return next();
    const isControl = req.path === '/' || req.path.startsWith('/_emulator/');
    if (!isControl) return next();
    // Following a link to the simulator is fine: the page that had the link
    // cannot read what opens.
    if (req.method === 'GET' && req.headers['sec-fetch-mode'] === 'navigate')
      return next();
    if (fromBrowser && !sameOrigin)
      return refuse('the emulator control API answers only its own pages');
    // Same origin by name only: a page whose own name now resolves to
    // 127.0.0.1 (DNS rebinding) is not the simulator.
    if (fromBrowser && !hosts.has(host.replace(/:\d+$/, '')))
      return refuse(`host ${host} is not one the emulator listens as`);
    return next();
  };
}
