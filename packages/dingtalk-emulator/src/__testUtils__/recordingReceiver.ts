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

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the emulator pushed to a receiver. */
export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/**
 * An HTTP endpoint on a free port that records every JSON request the
 * emulator sends it (card callbacks, robot messages) and answers `{}`, so
 * that tests can check what DingTalk would have sent and how it signed it.
 */
export async function startRecordingReceiver(path: string) {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }${path}`;
  return {
    received,
    url,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
