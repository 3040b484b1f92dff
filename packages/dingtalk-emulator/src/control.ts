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

// The emulator's own control surface (faults, reports, stream connections,
// reset) and the HTTP form of the whole control API under /_emulator/api,
// for the simulator UI and other processes.
import path from 'node:path';
import express from 'express';
import type { EmulatorContext } from './context';
import { ApiError, newStyleError } from './errors';
import { loadOptionSeeds } from './seed';
import type { EmuApp } from './state';
import type { EmulatorControl } from './types';

export function controlSurface(
  ctx: EmulatorContext,
): Pick<
  EmulatorControl,
  | 'calls'
  | 'injectFault'
  | 'clearFaults'
  | 'pushLog'
  | 'disconnectStreams'
  | 'pingStreams'
  | 'streamConnections'
  | 'streamTickets'
  | 'reset'
> {
  return {
    calls: filter => ctx.limits.report(filter),
    injectFault: fault => ctx.faults.inject(fault),
    clearFaults: () => ctx.faults.clear(),
    pushLog(filter = {}) {
      return ctx.state.pushLog.filter(
        p => !filter.appKey || p.appKey === filter.appKey,
      );
    },
    disconnectStreams: (req = {}) => ctx.stream.disconnect(req),
    pingStreams: (req = {}) => ctx.stream.ping(req),
    streamConnections: (req = {}) => ctx.stream.connections(req),
    streamTickets: (req = {}) => ctx.stream.unusedTickets(req),
    reset() {
      ctx.reset();
      loadOptionSeeds(ctx);
    },
  };
}

/**
 * Mounts the HTTP control API, the simulator UI and the 404 answer; call it
 * after every surface registered its routes.
 */
export function mountControlHttp(ctx: EmulatorContext) {
  const { app, control } = ctx;
  app.get('/_emulator/api/health', (_req, res) => res.json({ status: 'ok' }));
  // Secrets (app secret, aes_key, token, card apiSecret) only when asked
  // for: `?secrets=1`, from a CLI or a test.
  app.get('/_emulator/api/state', (req, res) =>
    res.json({
      corps: [...ctx.state.corps.values()],
      apps: [...ctx.state.apps.values()].map(a =>
        req.query.secrets === '1' ? a : withoutSecrets(a),
      ),
      users: [...ctx.state.users.values()],
      groups: [...ctx.state.groups.values()],
      templates: [...ctx.state.templates.values()],
    }),
  );
  app.post('/_emulator/api/:method', async (req, res) => {
    const method = req.params.method as keyof EmulatorControl;
    const fn = Object.prototype.hasOwnProperty.call(control, method)
      ? (control as any)[method]
      : undefined;
    if (typeof fn !== 'function') {
      res.status(404).json({ error: `no control method ${method}` });
      return;
    }
    try {
      const result =
        method === 'updateApp'
          ? await fn(req.body?.appKey, req.body?.patch ?? {})
          : await fn(req.body ?? {});
      res.json(result ?? { ok: true });
    } catch (e) {
      const err = e as ApiError;
      res
        .status(err.status && err.status < 500 ? err.status : 400)
        .json({ error: err.message });
    }
  });

  // simulator UI
  // The package runs from source (bin/ registers a transform), so ui/ sits
  // next to src/; resolvePackagePath would pull in backend-plugin-api.
  // eslint-disable-next-line no-restricted-syntax
  const uiDir = path.resolve(__dirname, '..', 'ui');
  app.use('/_emulator/ui', express.static(uiDir));
  app.get('/_emulator/jsapi-shim.js', (_req, res) =>
    res.sendFile(path.join(uiDir, 'jsapi-shim.js')),
  );
  app.get('/', (_req, res) => res.sendFile(path.join(uiDir, 'index.html')));

  app.use((_req, res) => {
    res
      .status(404)
      .json(newStyleError('NotFound', 'no such DingTalk API in the emulator'));
  });
}

function withoutSecrets(a: EmuApp) {
  const { appSecret, aesKey, token, cardApiSecret, ...rest } = a;
  return rest;
}
