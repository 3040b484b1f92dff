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
const http = require('node:http');
const autocannon = require('autocannon');

const reply = message => process.send(message);

// The requests come as a file of JSON lines: tens of thousands of bodies
// through the IPC channel would cost the measured process more than the file.
process.on('message', async ({ url, file, ...options }) => {
  try {
    const requests = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map(line => JSON.parse(line));
    if (options.paced) {
      reply(await paced(url, requests, options.paced));
      return;
    }
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
    const at = q =>
      times.length
        ? times[Math.min(times.length - 1, Math.floor(q * times.length))]
        : NaN;
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

/**
 * A fixed rate as pushes arrive: one request every 1/rate s, each sent when
 * its time comes whether or not earlier ones were answered (open loop: a
 * stalled server does not hold the next requests back, so each latency,
 * from its send to its answer, includes the stall; timing from the due time
 * instead would add this process's own timer lateness). autocannon's `overallRate` instead fires all its
 * connections together on one tick: bursts of `connections` requests that
 * queue behind each other, which DingTalk's independent pushes do not do.
 */
function paced(url, requests, { rate, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const times = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let answered = 0;
  const start = performance.now();
  return new Promise(resolve => {
    const send = () => {
      const r = requests[sent % requests.length];
      sent += 1;
      let sentAt;
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: r.path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(r.body),
          },
        },
        res => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode >= 200 && res.statusCode < 300) {
              ok += 1;
              times.push(performance.now() - sentAt);
            } else non2xx += 1;
            done();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        done();
      });
      sentAt = performance.now();
      req.end(r.body);
    };
    const done = () => {
      answered += 1;
      if (answered === total) {
        agent.destroy();
        times.sort((a, b) => a - b);
        const at = q =>
          times[Math.min(times.length - 1, Math.floor(q * times.length))];
        const elapsed = (performance.now() - start) / 1000;
        resolve({
          rps: total / elapsed,
          p50: at(0.5),
          p99: at(0.99),
          total,
          ok,
          non2xx,
          errors,
          timeouts: 0,
        });
      }
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) send();
      if (sent < total)
        setTimeout(
          tick,
          Math.max(0, start + (sent * 1000) / rate - performance.now()),
        );
    };
    tick();
  });
}
