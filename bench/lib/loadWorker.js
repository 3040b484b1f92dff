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

// The load generator of bench/callback.ts, in a child process: autocannon on
// the same event loop as the server it measures would take turns with it and
// blur both the server's and the baseline's figures. (Not a worker thread:
// autocannon changes how it reports when it finds itself in one.) Plain
// JavaScript so that it needs no TypeScript transform, and autocannon ships
// no types.
const fs = require('node:fs');
const autocannon = require('autocannon');

const reply = message => process.send(message);

// The requests come as a file of JSON lines: tens of thousands of bodies
// through the IPC channel would cost the measured process more than the file.
process.on('message', async ({ url, file, ...options }) => {
  try {
    const requests = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map(line => JSON.parse(line));
    let next = 0;
    const instance = autocannon({
      url,
      ...options,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // Pre-generated bodies, each sent once in turn (wrapping around only
          // if a timed run outlasts them).
          setupRequest: req => {
            const r = requests[next++ % requests.length];
            return { ...req, path: r.path, body: r.body };
          },
        },
      ],
    });
    // autocannon's histogram keeps whole milliseconds: at 1-4 ms a p50 ratio
    // of those is mostly rounding. Its response event has the time as a
    // fraction of a millisecond; the percentiles come from those.
    const times = [];
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
    const result = await instance;
    times.sort((a, b) => a - b);
    const at = q => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))] : NaN);
    reply({
      rps: result.requests.average,
      p50: at(0.5),
      p99: at(0.99),
      total: result.requests.total,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      seconds: result.duration,
    });
  } catch (e) {
    reply({ error: String(e && e.stack ? e.stack : e) });
  }
});
