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

// The fresh app: @backstage/create-app (latest) on Node 22, and the Yarn it
// bundles. Corepack cannot fetch Yarn on these machines, and yarn 1 would
// only hand over to the app's bundled Yarn 4 (.yarnrc.yml yarnPath), so a
// `yarn` shim runs that bundled release directly.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const procs = require('./procs');
const { resolveRelease } = require('./release');
const { cacheRoot } = require('../node22');

const MINUTE = 60_000;

function cacheDir() {
  // Next to scripts/node22.js's Node 22 ($DINGTALK_ONCALL_CACHE or ~/.cache/dingtalk-oncall).
  return process.env.ADOPT_CACHE_DIR ?? path.join(cacheRoot(), 'adopt');
}

/**
 * Creates the app in `work/app`; returns {dir, release, env}, where `env` runs
 * `yarn` (the shim) on Node 22 for every later step.
 */
async function createFreshApp({ work, node, log }) {
  const nodeBin = fs.statSync(node.bin).isDirectory()
    ? node.bin
    : path.dirname(node.bin);
  const nodeExe = path.join(nodeBin, 'node');
  const baseEnv = {
    ...process.env,
    PATH: `${nodeBin}${path.delimiter}${process.env.PATH}`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const cliDir = path.join(work, 'create-app');
  await procs.run(
    'npm',
    ['install', '--prefix', cliDir, '@backstage/create-app@latest'],
    {
      cwd: work,
      env: baseEnv,
      logFile: log('create-app'),
      timeoutMs: 5 * MINUTE,
    },
  );
  const pkgDir = path.join(cliDir, 'node_modules', '@backstage', 'create-app');
  const version = JSON.parse(
    fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'),
  ).version;
  const releases = path.join(
    pkgDir,
    'templates',
    'default-app',
    '.yarn',
    'releases',
  );
  const yarnRelease = fs
    .readdirSync(releases)
    .find(f => /^yarn-.*\.cjs$/.test(f));
  if (!yarnRelease)
    throw new Error(
      `@backstage/create-app ${version} bundles no Yarn release in ${releases}`,
    );
  const binDir = path.join(work, 'bin');
  fs.mkdirSync(binDir);
  fs.writeFileSync(
    path.join(binDir, 'yarn'),
    `#!/bin/sh\nexec "${nodeExe}" "${path.join(releases, yarnRelease)}" "$@"\n`,
    { mode: 0o755 },
  );
  const cache = cacheDir();
  const env = {
    ...baseEnv,
    PATH: `${binDir}${path.delimiter}${baseEnv.PATH}`,
    // CI=true makes Yarn refuse to write the lockfile a fresh app lacks.
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_PROGRESS_BARS: 'false',
    YARN_ENABLE_GLOBAL_CACHE: 'true',
    YARN_GLOBAL_FOLDER: path.join(cache, 'yarn'),
    // node_modules as hard links into Yarn's global store: 1.5 GB that is
    // neither copied on install nor freed block by block on removal.
    YARN_NM_MODE: 'hardlinks-global',
    // Native modules (better-sqlite3) build against Node 22's own headers:
    // node-gyp would fetch them from nodejs.org, which is unreachable.
    npm_config_nodedir: node.nodedir,
    BROWSER: 'none',
  };
  const dir = path.join(work, 'app');
  await procs.run(
    nodeExe,
    [
      path.join(pkgDir, 'bin', 'backstage-create-app'),
      '--path',
      dir,
      '--skip-install',
    ],
    {
      cwd: work,
      env: { ...env, BACKSTAGE_APP_NAME: 'adopter' },
      logFile: log('create-app'),
      timeoutMs: 3 * MINUTE,
    },
  );
  const release = JSON.parse(
    fs.readFileSync(path.join(dir, 'backstage.json'), 'utf8'),
  ).version;
  process.stdout.write(
    `  @backstage/create-app ${version}, Backstage ${release}, ${yarnRelease}\n`,
  );
  const abi = execFileSync(nodeExe, ['-p', 'process.versions.modules'], {
    encoding: 'utf8',
  }).trim();
  return { dir, release, env, version, abi };
}

/** Registry manifests of name@version specs, read by the app's Yarn. */
async function yarnInfo(app, specs) {
  const out = [];
  for (let i = 0; i < specs.length; i += 80) {
    const chunk = specs.slice(i, i + 80);
    const text = execFileSync(
      'yarn',
      [
        'npm',
        'info',
        '--json',
        '--fields',
        'name,version,dependencies,optionalDependencies',
        ...chunk,
      ],
      {
        cwd: app.dir,
        env: app.env,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    for (const line of text.split('\n'))
      if (line.trim()) out.push(JSON.parse(line));
  }
  return out;
}

const infoCache = new Map();
/**
 * Pins the app's @backstage packages, and those the tarballs bring, to the
 * app's release (root package.json `resolutions`); returns how many.
 */
async function pinRelease(app, extraManifests) {
  const file = f => path.join(app.dir, f);
  const read = f => JSON.parse(fs.readFileSync(file(f), 'utf8'));
  const appManifests = [
    'package.json',
    'packages/app/package.json',
    'packages/backend/package.json',
  ].map(read);
  const pins = await resolveRelease({
    appManifests,
    extraManifests,
    info: async specs => {
      const todo = specs.filter(s => !infoCache.has(s));
      const got = todo.length ? await yarnInfo(app, todo) : [];
      for (const m of got) infoCache.set(`${m.name}@${m.version}`, m);
      return specs.map(s => infoCache.get(s)).filter(Boolean);
    },
  });
  const rootJson = read('package.json');
  rootJson.resolutions = { ...rootJson.resolutions, ...pins };
  fs.writeFileSync(
    file('package.json'),
    `${JSON.stringify(rootJson, null, 2)}\n`,
  );
  return Object.keys(pins).length;
}

/**
 * Install-time settings of the check, not of an adopter: native modules the
 * check never loads are not built (tree-sitter, cpu-features, keytar, ...):
 * on two cores they cost minutes. better-sqlite3, the database the app runs
 * on, is built, or, when an earlier run built the same version for the same
 * Node ABI, its binary is reused (see `finishInstall`).
 */
function prepareInstall(app) {
  const file = path.join(app.dir, 'package.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = Object.fromEntries(
    UNUSED_NATIVE.map(name => [name, { built: false }]),
  );
  const cached = sqliteBinary(app);
  app.sqliteBinary = cached && fs.existsSync(cached) ? cached : undefined;
  if (app.sqliteBinary) meta['better-sqlite3'] = { built: false };
  json.dependenciesMeta = { ...json.dependenciesMeta, ...meta };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

// better_sqlite3.node of the version yarn.lock resolves, in the cache.
function sqliteBinary(app) {
  const lock = path.join(app.dir, 'yarn.lock');
  if (!fs.existsSync(lock)) return undefined;
  const m = /^"better-sqlite3@[^\n]*\n\s+version: ([^\s]+)/m.exec(
    fs.readFileSync(lock, 'utf8'),
  );
  return m
    ? path.join(
        cacheDir(),
        'native',
        `better-sqlite3-${m[1]}-abi${app.abi}.node`,
      )
    : undefined;
}

/** After the install: put the reused binary in place, or keep the new one. */
function finishInstall(app) {
  const built = path.join(
    app.dir,
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  );
  if (app.sqliteBinary) {
    fs.mkdirSync(path.dirname(built), { recursive: true });
    fs.copyFileSync(app.sqliteBinary, built);
    return 'reused from an earlier run';
  }
  if (!fs.existsSync(built)) {
    throw new Error(`better-sqlite3 did not build: no ${built}`);
  }
  const target = sqliteBinary(app);
  if (target && !fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(built, `${target}.tmp`);
    fs.renameSync(`${target}.tmp`, target);
  }
  return 'built';
}

const UNUSED_NATIVE = [
  // api-docs' OpenAPI parsers (the browser uses WebAssembly builds)
  'tree-sitter',
  'tree-sitter-json',
  '@tree-sitter-grammars/tree-sitter-yaml',
  // kubernetes' ssh2 crypto speed-ups, optional
  'ssh2',
  'cpu-features',
  // backstage-cli's credential store (libsecret), optional
  'keytar',
  // banners, telemetry and version checks
  '@scarf/scarf',
  'core-js',
  'core-js-pure',
  'protobufjs',
];

/**
 * The fresh app's yarn.lock of an earlier run with the same package.json
 * files (create-app version, pinned release) is reused: resolving ~2800
 * packages from scratch costs a minute. From an empty cache (CI) it is
 * resolved, then kept for the next run.
 */
function lockFile(app) {
  if (app.lockFile) return app.lockFile;
  const hash = createHash('sha256');
  for (const f of [
    'package.json',
    'packages/app/package.json',
    'packages/backend/package.json',
  ]) {
    hash.update(fs.readFileSync(path.join(app.dir, f)));
  }
  app.lockFile = path.join(
    cacheDir(),
    'locks',
    `${hash.digest('hex').slice(0, 32)}.lock`,
  );
  return app.lockFile;
}

function restoreLock(app) {
  const file = lockFile(app);
  if (!fs.existsSync(file)) return false;
  fs.copyFileSync(file, path.join(app.dir, 'yarn.lock'));
  return true;
}

function saveLock(app) {
  const file = lockFile(app);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(path.join(app.dir, 'yarn.lock'), `${file}.tmp`);
  fs.renameSync(`${file}.tmp`, file);
}

module.exports = {
  createFreshApp,
  pinRelease,
  yarnInfo,
  prepareInstall,
  finishInstall,
  restoreLock,
  saveLock,
  cacheDir,
};
