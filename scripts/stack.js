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

// Starts the whole product for development and for the e2e run: the DingTalk
// emulator (seeded with the demo organisation), the Backstage backend and the
// frontend dev server. Used by `npm start` and `npm run e2e`.
const { spawn } = require('node:child_process');
const path = require('node:path');
const http = require('node:http');
const {
  ensureH5Bundle,
} = require('../plugins/dingtalk-backend/scripts/build-h5');

const root = path.resolve(__dirname, '..');

const EMULATOR_PORT = Number(process.env.DINGTALK_EMULATOR_PORT ?? 7788);

function run(name, command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  const prefix = `[${name}] `;
  const forward = stream => data => {
    const text = data.toString();
    if (options.onOutput) options.onOutput(text);
    if (!options.quiet) {
      stream.write(
        text
          .split('\n')
          .filter(line => line.length > 0)
          .map(line => `${prefix}${line}\n`)
          .join(''),
      );
    }
  };
  child.stdout.on('data', forward(process.stdout));
  child.stderr.on('data', forward(process.stderr));
  return child;
}

function probe(url) {
  return new Promise(resolve => {
    const req = http.get(url, res => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(5000, () => {
      req.destroy();
      resolve(undefined);
    });
  });
}

async function waitFor(
  url,
  { timeoutMs, ok = s => s !== undefined && s < 500, children },
) {
  const start = Date.now();
  for (;;) {
    const dead = children.find(c => c.exitCode !== null);
    if (dead) {
      throw new Error(
        `${dead.spawnargs.join(' ')} exited with ${
          dead.exitCode
        } before ${url} answered`,
      );
    }
    const status = await probe(url);
    if (ok(status)) return;
    if (Date.now() - start > timeoutMs) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${url}`);
    }
    await new Promise(r => setTimeout(r, 1000));
  }
}

/**
 * Starts emulator, backend and frontend; resolves when all three answer.
 * Returns a handle whose stop() ends every process group (a promise).
 */
async function startStack({
  quiet = false,
  frontend = true,
  onBackendOutput,
} = {}) {
  // A server left over from an earlier run would answer the health checks
  // below in place of the one started here: refuse to start next to it.
  const ports = [EMULATOR_PORT, 7007, ...(frontend ? [3000] : [])];
  for (const port of ports) {
    if ((await probe(`http://127.0.0.1:${port}/`)) !== undefined) {
      throw new Error(
        `Port ${port} is already in use: stop what runs there first (an earlier npm start or e2e run?)`,
      );
    }
  }
  // The backend runs from source and serves this build artefact to H5 pages.
  ensureH5Bundle();
  const children = [];
  const cli = path.join(root, 'node_modules/.bin/backstage-cli');
  children.push(
    run(
      'emulator',
      process.execPath,
      [
        path.join(root, 'packages/dingtalk-emulator/bin/dingtalk-emulator.js'),
        '--port',
        String(EMULATOR_PORT),
        '--host',
        '127.0.0.1',
        '--demo',
        // The Backstage app's pages (the dev server) are the demo app's
        // pages too: login-free sign-in inside the simulated DingTalk.
        '--allowed-origin',
        'http://localhost:3000',
      ],
      { quiet },
    ),
  );
  children.push(
    run('backend', cli, ['package', 'start'], {
      cwd: path.join(root, 'packages/backend'),
      env: { NODE_ENV: 'development' },
      quiet,
      // e2e keeps the whole backend log (and checks it for secrets).
      onOutput: onBackendOutput,
    }),
  );
  if (frontend) {
    children.push(
      run('app', cli, ['package', 'start'], {
        cwd: path.join(root, 'packages/app'),
        env: { BROWSER: 'none', NODE_ENV: 'development' },
        quiet,
      }),
    );
  }
  // Each child leads its own process group (detached): `backstage-cli package
  // start` runs the backend and the dev server as grandchildren, and a
  // Backstage backend can linger in its graceful shutdown. SIGTERM the whole
  // group, then SIGKILL what is left, so that no stale backend keeps port
  // 7007 and answers the next run's health checks.
  const signal = (child, sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    }
  };
  const groupAlive = child => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async (graceMs = 5000) => {
    for (const child of children) signal(child, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (children.some(groupAlive) && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 100));
    }
    for (const child of children.filter(groupAlive)) signal(child, 'SIGKILL');
  };
  try {
    await waitFor(`http://127.0.0.1:${EMULATOR_PORT}/_emulator/api/health`, {
      timeoutMs: 60_000,
      children,
    });
    await waitFor('http://127.0.0.1:7007/api/dingtalk/health', {
      timeoutMs: 300_000,
      ok: s => s === 200,
      children,
    });
    await waitFor('http://127.0.0.1:7007/api/oncall/health', {
      timeoutMs: 60_000,
      ok: s => s === 200,
      children,
    });
    if (frontend) {
      await waitFor('http://127.0.0.1:3000/', {
        timeoutMs: 600_000,
        ok: s => s === 200,
        children,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, children, emulatorUrl: `http://127.0.0.1:${EMULATOR_PORT}` };
}

module.exports = { startStack };
