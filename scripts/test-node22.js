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

// `node scripts/test-node22.js [args for npm test]`: the whole `npm test`
// (scripts/test.js) on Node 22, in this checkout, leaving it working on the
// machine's node afterwards.
//
// better-sqlite3 is the one native module built against a Node version (the
// others are Node-API and load on any Node). Its Node 22 binary is compiled
// once from the installed package's sources in a temporary copy (so the
// checkout's own build is never touched), cached next to Node 22, and swapped
// into node_modules for the run only; the machine's binary is put back when
// the run ends, fails or is interrupted.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureNode22Sync, cacheRoot } = require('./node22');

const root = path.resolve(__dirname, '..');

function replaceFile(from, to) {
  // Rename over the target: a process that has the old binary loaded keeps
  // its own copy, and no reader ever sees a half-written file.
  const tmp = `${to}.tmp-${process.pid}`;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, to);
}

function buildBinding(node22, pkgDir, cached) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'better-sqlite3-node22-'));
  try {
    for (const entry of ['package.json', 'binding.gyp', 'deps', 'src']) {
      fs.cpSync(path.join(pkgDir, entry), path.join(work, entry), {
        recursive: true,
      });
    }
    const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', {
      paths: [root],
    });
    const started = Date.now();
    process.stderr.write(`Building better-sqlite3 for ${node22.version}\n`);
    // --nodedir: the headers come with the `node` package (node-gyp would
    // otherwise fetch them from nodejs.org, or use the machine's `nodedir`,
    // which holds Node 20's).
    const run = spawnSync(
      path.join(node22.bin, 'node'),
      [
        nodeGyp,
        'rebuild',
        '--release',
        `--nodedir=${node22.nodedir}`,
        '-j',
        'max',
      ],
      {
        cwd: work,
        stdio: ['ignore', 2, 2],
        env: {
          ...process.env,
          PATH: `${node22.bin}${path.delimiter}${process.env.PATH}`,
          npm_config_nodedir: node22.nodedir,
        },
      },
    );
    if (run.status !== 0) {
      throw new Error(
        `node-gyp rebuild of better-sqlite3 failed (${run.status})`,
      );
    }
    replaceFile(path.join(work, 'build/Release/better_sqlite3.node'), cached);
    process.stderr.write(
      `Built better-sqlite3 for ${node22.version} in ${Math.round(
        (Date.now() - started) / 1000,
      )}s\n`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function loads(node22, pkgDir) {
  const check = `new (require(${JSON.stringify(
    pkgDir,
  )}))(':memory:').prepare('select 1').get()`;
  return (
    spawnSync(path.join(node22.bin, 'node'), ['-e', check], { stdio: 'ignore' })
      .status === 0
  );
}

async function main() {
  const node22 = ensureNode22Sync();
  const pkgDir = path.dirname(
    require.resolve('better-sqlite3/package.json', { paths: [root] }),
  );
  const { version } = JSON.parse(
    fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'),
  );
  const abi = spawnSync(
    path.join(node22.bin, 'node'),
    ['-p', 'process.versions.modules'],
    { encoding: 'utf8' },
  ).stdout.trim();
  const cached = path.join(
    cacheRoot(),
    'better-sqlite3',
    `${version}-node-v${abi}-${process.platform}-${process.arch}`,
    'better_sqlite3.node',
  );
  if (!fs.existsSync(cached)) buildBinding(node22, pkgDir, cached);

  const target = path.join(pkgDir, 'build/Release/better_sqlite3.node');
  const backup = `${target}.host`;
  // A run killed outright (SIGKILL) left its backup: that is the real one.
  if (fs.existsSync(backup)) fs.renameSync(backup, target);
  fs.copyFileSync(target, backup);
  const restore = () => {
    if (fs.existsSync(backup)) fs.renameSync(backup, target);
  };

  let code = 1;
  try {
    replaceFile(cached, target);
    if (!loads(node22, pkgDir)) {
      throw new Error(`better-sqlite3 does not load on ${node22.version}`);
    }
    code = await new Promise(resolve => {
      const child = spawn(
        path.join(node22.bin, 'node'),
        [path.join(root, 'scripts/test.js'), ...process.argv.slice(2)],
        {
          cwd: root,
          stdio: 'inherit',
          env: {
            ...process.env,
            // Anything the tests start by name (`node`, `npm`) is Node 22 too.
            PATH: `${node22.bin}${path.delimiter}${process.env.PATH}`,
          },
        },
      );
      for (const signal of ['SIGINT', 'SIGTERM']) {
        process.on(signal, () => child.kill(signal));
      }
      child.on('exit', c => resolve(c ?? 1));
    });
  } finally {
    restore();
  }
  process.exit(code);
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
