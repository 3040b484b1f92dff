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
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import { mockServices } from '@backstage/backend-test-utils';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';

/**
 * The production root logger (Backstage's WinstonLogger, with its redaction
 * of registered secrets) writing every formatted line to `lines`, and the
 * production access log (MiddlewareFactory.logging, which the test backend's
 * root router leaves out) for every request of a server: what a test reads
 * is what a real backend would print.
 */
export function capturedLogs() {
  const lines: string[] = [];
  const MESSAGE = Symbol.for('message');
  // A winston transport is an object-mode stream of log entries; winston
  // accepts any such stream that has a `log` method of at most two arguments
  // (it pipes into it and never calls `log`).
  const capture = Object.assign(
    new Writable({
      objectMode: true,
      write(info: any, _encoding, callback) {
        // eslint-disable-next-line no-control-regex
        lines.push(String(info[MESSAGE]).replace(/\u001b\[[0-9;]*m/g, ''));
        callback();
      },
    }),
    { log: (_info: unknown, next: () => void) => next() },
  );
  const rootLogger = WinstonLogger.create({
    meta: { service: 'backstage' },
    level: 'debug',
    transports: [capture as any],
  });
  return {
    lines,
    rootLogger,
    factory: createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => rootLogger,
    }),
    /** Writes the root router's access log line for every request the server answers. */
    attachAccessLog(server: Server) {
      const logging = MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: rootLogger.child({ service: 'rootHttpRouter' }),
      }).logging();
      // First listener: it only registers what to log when the response is
      // finished, from the URL Express and the routes leave on the request.
      server.prependListener('request', (req, res) =>
        logging(req as any, res as any, () => {}),
      );
    },
  };
}
