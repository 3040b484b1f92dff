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

// Composes the emulator: one shared context (state, limits, faults, push),
// every API surface over it, the Stream gateway and the control API.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { Request, Response } from 'express';
import { browserGuard } from './browserGuard';
import { EmulatorContext } from './context';
import { controlSurface, mountControlHttp } from './control';
import { newStyleError } from './errors';
import { StreamGateway } from './push/stream';
import { loadOptionSeeds } from './seed';
import { registerSurfaces } from './surfaces';
import type { EmulatorControl, EmulatorHandle, EmulatorOptions } from './types';

export type {
  CallsReport,
  EmulatorControl,
  EmulatorHandle,
  EmulatorOptions,
  Fault,
  FaultKind,
  PushResult,
} from './types';

/**
 * Starts a DingTalk Open Platform emulator on loopback. Both DingTalk hosts'
 * paths (api.dingtalk.com's `/v1.0/...` and oapi.dingtalk.com's `/gettoken`,
 * `/topapi/...`) are served from the one base URL.
 * @public
 */
export async function createEmulator(
  options: EmulatorOptions = {},
): Promise<EmulatorHandle> {
  const ctx = new EmulatorContext(options);
  const { app } = ctx;
  app.disable('x-powered-by');
  app.use(browserGuard({ options, apps: () => ctx.state.apps.values() }));
  app.use(express.json({ limit: '1mb' }));
  app.use((err: any, _req: Request, res: Response, next: any) => {
    if (err?.type === 'entity.parse.failed') {
      res
        .status(400)
        .json(newStyleError('InvalidParameter', 'body is not valid JSON'));
      return;
    }
    next(err);
  });

  ctx.stream = new StreamGateway(ctx);
  const control: EmulatorControl = {
    ...registerSurfaces(ctx),
    ...controlSurface(ctx),
  };
  Object.assign(ctx.control, control);
  mountControlHttp(ctx);

  const sockets = new Set<Socket>();
  const server = http.createServer(app);
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) =>
    ctx.stream.handleUpgrade(req, socket, head),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () =>
      resolve(),
    );
  });
  const port = (server.address() as AddressInfo).port;
  ctx.baseUrl = `http://${
    options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'
  }:${port}`;

  const handle: EmulatorHandle = {
    baseUrl: ctx.baseUrl,
    port,
    // reset() replaces the state: always hand out the current one
    get state() {
      return ctx.state;
    },
    control: ctx.control,
    async close() {
      ctx.stream.close();
      ctx.faults.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
  loadOptionSeeds(ctx);
  return handle;
}
