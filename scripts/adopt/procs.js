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

// Processes of the adopter check. Every child leads its own process group
// (yarn -> backstage-cli -> node backend are three levels deep), and every
// group is killed when the check ends, passed or failed.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');

const groups = new Set();

function killGroup(pid, sig) {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Kills every process group started here: SIGTERM, then SIGKILL. */
async function killAll(graceMs = 5000) {
  for (const pid of groups) killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ([...groups].some(pid => killGroup(pid, 0)) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  for (const pid of groups) killGroup(pid, 'SIGKILL');
  groups.clear();
}

/**
 * Starts a long-running command; its output goes to `logFile`. The returned
 * child has `exited`, a promise of its exit code.
 */
function start(command, args, { cwd, env, logFile }) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  groups.add(child.pid);
  child.exited = new Promise(resolve =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  child.exitCode_ = null;
  child.exited.then(code => {
    child.exitCode_ = code;
  });
  return child;
}

/** Runs a command to completion; rejects with the tail of its log on failure. */
async function run(command, args, { cwd, env, logFile, timeoutMs }) {
  const child = start(command, args, { cwd, env, logFile });
  let timer;
  const timeout = new Promise(resolve => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const code = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  groups.delete(child.pid);
  if (code === 0) return;
  killGroup(child.pid, 'SIGKILL');
  const tail = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .slice(-40)
    .join('\n');
  throw new Error(
    `${[command, ...args].join(' ')} ${
      code === 'timeout'
        ? `timed out after ${timeoutMs} ms`
        : `exited with ${code}`
    } (log: ${logFile})\n${tail}`,
  );
}

/** One HTTP request; resolves {status, body} or undefined when nothing answers. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise(resolve => {
    const req = http.request(url, { method, headers }, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(10_000, () => {
      req.destroy();
      resolve(undefined);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Waits until `url` answers with a status `ok` accepts; fails early if `child` exits. */
async function waitFor(url, { timeoutMs, child, ok = s => s === 200 }) {
  const startedAt = Date.now();
  for (;;) {
    if (child && child.exitCode_ !== null) {
      throw new Error(
        `the process serving ${url} exited with ${child.exitCode_}`,
      );
    }
    const res = await request(url);
    if (res && ok(res.status)) return res;
    if (Date.now() - startedAt > timeoutMs) {
      throw new Error(
        `${url} did not answer as expected within ${
          timeoutMs / 1000
        } s (last: ${res ? res.status : 'no answer'})`,
      );
    }
    await new Promise(r => setTimeout(r, 1000));
  }
}

/** Whether something already listens on 127.0.0.1:port. */
async function portInUse(port) {
  return (await request(`http://127.0.0.1:${port}/`)) !== undefined;
}

module.exports = { start, run, request, waitFor, killAll, portInUse };
