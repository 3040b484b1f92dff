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

// `npm run adopt`: the adopter check. Packs every publishable package,
// creates a fresh app with the current @backstage/create-app (on Node 22, as
// create-app requires) in a temporary folder, installs the tarballs by
// following the README's "Install into an existing Backstage" blocks as
// written, type-checks the app, starts it with only the configuration
// create-app generated (plus ports), checks both health routes, creates a
// DingTalk integration through the API and renders the DingTalk and on-call
// pages in Chromium (screenshots in artifacts/adopt/).
//   ADOPT_SKIP_PACK=1   use the tarballs already in artifacts/packs
//   ADOPT_KEEP=1        keep the temporary app (it is kept on failure anyway)
//   ADOPT_CACHE_DIR     Yarn's cache and earlier lockfiles (default ~/.cache/dingtalk-oncall/adopt)
//   ADOPT_PORT          the app's port (default 7107; not 3000/7007, the repo's own)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const procs = require('./adopt/procs');
const { readBlocks, applyBlock } = require('./adopt/readme');
const {
  createFreshApp,
  pinRelease,
  prepareInstall,
  finishInstall,
  restoreLock,
  saveLock,
} = require('./adopt/app');
const { readPacks, checkInstalled } = require('./adopt/packs');
const { renderPages } = require('./adopt/browser');

const root = path.resolve(__dirname, '..');
const packsDir = path.join(root, 'artifacts', 'packs');
const outDir = path.join(root, 'artifacts', 'adopt');
const logDir = path.join(outDir, 'logs');
const port = Number(process.env.ADOPT_PORT ?? 7107);
const appUrl = `http://localhost:${port}`;
const MINUTE = 60_000;

const timings = [];
async function step(name, fn) {
  const t0 = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  try {
    const result = await fn();
    const s = (Date.now() - t0) / 1000;
    timings.push([name, s]);
    process.stdout.write(`--- ${name}: ok (${s.toFixed(1)} s)\n`);
    return result;
  } catch (e) {
    const s = (Date.now() - t0) / 1000;
    timings.push([`${name}: FAILED`, s]);
    process.stdout.write(`--- ${name}: FAILED (${s.toFixed(1)} s)\n`);
    e.step = name;
    throw e;
  }
}
const log = name => path.join(logDir, `${name}.log`);

/** Node 22, the fresh app, its Backstage release pinned, installed. */
async function freshApp(work) {
  const node = await step('Node 22', async () => {
    const { ensureNode22 } = require('./node22');
    const n = await ensureNode22();
    process.stdout.write(`  node ${n.version} (${n.bin})\n`);
    return n;
  });
  const app = await step('create the app (@backstage/create-app)', () =>
    createFreshApp({ work, node, log }),
  );
  await step('pin the Backstage release', async () => {
    const n = await pinRelease(app, []);
    process.stdout.write(
      `  Backstage ${app.release}: ${n} @backstage packages pinned\n`,
    );
  });
  await step('yarn install (the fresh app)', async () => {
    // The lockfile's key is taken before prepareInstall edits package.json.
    const restored = restoreLock(app);
    prepareInstall(app);
    if (restored) {
      process.stdout.write(
        '  yarn.lock of an earlier run with these package.json files\n',
      );
    }
    await procs.run('yarn', ['install'], {
      cwd: app.dir,
      env: app.env,
      logFile: log('install-app'),
      timeoutMs: 12 * MINUTE,
    });
    saveLock(app);
    process.stdout.write(`  better-sqlite3: ${finishInstall(app)}\n`);
  });
  return app;
}

async function main() {
  const started = Date.now();
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  if (await procs.portInUse(port)) {
    throw new Error(
      `port ${port} is in use: stop what runs there or set ADOPT_PORT`,
    );
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dingtalk-oncall-adopt-'));
  process.stdout.write(`working in ${work}\n`);
  let passed = false;
  try {
    // Packing (CPU) runs while the fresh app is created and installed
    // (mostly network): the app is then the "existing Backstage" the README
    // is written for, and the README's steps add the packages to it.
    const [packs, app] = await Promise.all([
      step('pack (npm run pack)', async () => {
        if (process.env.ADOPT_SKIP_PACK !== '1') {
          await procs.run('npm', ['run', 'pack'], {
            cwd: root,
            env: process.env,
            logFile: log('pack'),
            timeoutMs: 10 * MINUTE,
          });
        }
        const found = readPacks(packsDir);
        process.stdout.write(
          `  ${found.length} tarballs in ${path.relative(root, packsDir)}\n`,
        );
        return found;
      }),
      freshApp(work),
    ]);
    const env = app.env;

    await step('pin the Backstage release (with the tarballs)', async () => {
      const n = await pinRelease(
        app,
        packs.map(p => p.manifest),
      );
      process.stdout.write(`  ${n} @backstage packages pinned\n`);
    });

    await step("apply the README's install blocks", async () => {
      const blocks = readBlocks(path.join(root, 'README.md'));
      for (const block of blocks) {
        const done = applyBlock(block, {
          appDir: app.dir,
          env: { ...env, DINGTALK_ONCALL: root },
        });
        process.stdout.write(`  ${block.directive}: ${done}\n`);
      }
      checkInstalled(app, packs);
    });

    await step('yarn install (with the packages)', () =>
      procs.run('yarn', ['install'], {
        cwd: app.dir,
        env,
        logFile: log('install-packages'),
        timeoutMs: 8 * MINUTE,
      }),
    );

    await step('ports (app-config.local.yaml)', async () => {
      // The only configuration added to create-app's: the port, on which the
      // backend also serves the frontend bundle it depends on (app-backend).
      fs.writeFileSync(
        path.join(app.dir, 'app-config.local.yaml'),
        [
          `app:`,
          `  baseUrl: ${appUrl}`,
          `backend:`,
          `  baseUrl: ${appUrl}`,
          `  listen:`,
          `    port: ${port}`,
          `  cors:`,
          `    origin: ${appUrl}`,
          '',
        ].join('\n'),
      );
    });

    // Both are CPU-bound for a minute or two; together they share the two cores.
    await step(
      'type-check (yarn tsc), check the config, build the frontend',
      () =>
        Promise.all([
          (async () => {
            await procs.run('yarn', ['tsc'], {
              cwd: app.dir,
              env,
              logFile: log('tsc'),
              timeoutMs: 8 * MINUTE,
            });
            // The README's production block, against the packages' schemas.
            await procs.run(
              'yarn',
              [
                'backstage-cli',
                'config:check',
                '--lax',
                '--config',
                'app-config.yaml',
                '--config',
                'app-config.production.yaml',
              ],
              {
                cwd: app.dir,
                env,
                logFile: log('config-check'),
                timeoutMs: 3 * MINUTE,
              },
            );
          })(),
          procs.run('yarn', ['workspace', 'app', 'build'], {
            cwd: app.dir,
            env,
            logFile: log('frontend-build'),
            timeoutMs: 8 * MINUTE,
          }),
        ]),
    );

    const backend = await step(
      'start the backend, check both health routes',
      async () => {
        const child = procs.start('yarn', ['workspace', 'backend', 'start'], {
          cwd: app.dir,
          env,
          logFile: log('backend'),
        });
        for (const plugin of ['dingtalk', 'oncall']) {
          await procs.waitFor(`http://127.0.0.1:${port}/api/${plugin}/health`, {
            timeoutMs: 4 * MINUTE,
            child,
          });
          process.stdout.write(`  /api/${plugin}/health: 200\n`);
        }
        return child;
      },
    );

    await step('create a DingTalk integration through the API', async () => {
      const token = await guestToken();
      const body = JSON.stringify({
        id: 'adopted',
        name: 'Adopted corp',
        corpId: 'dingadoptedcorp',
        agentId: '3000000042',
        clientId: 'dingadoptedclient',
        clientSecret: 'adopted-client-secret-0123456789abcdef',
        aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
        token: 'adopted-signature-token',
        edition: 'standard',
      });
      const headers = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      };
      const created = await procs.request(
        `http://127.0.0.1:${port}/api/dingtalk/integrations`,
        {
          method: 'POST',
          headers,
          body,
        },
      );
      if (!created || created.status !== 201) {
        throw new Error(
          `POST /api/dingtalk/integrations: ${
            created ? `${created.status} ${created.body}` : 'no answer'
          }`,
        );
      }
      const list = await procs.request(
        `http://127.0.0.1:${port}/api/dingtalk/integrations`,
        { headers },
      );
      if (!list || list.status !== 200 || !list.body.includes('Adopted corp')) {
        throw new Error(
          `GET /api/dingtalk/integrations does not list it: ${
            list ? `${list.status} ${list.body}` : 'no answer'
          }`,
        );
      }
      process.stdout.write(
        `  created integration "adopted" (201), listed by GET\n`,
      );
    });

    await step(
      'render the DingTalk and on-call pages in Chromium',
      async () => {
        if (backend.exitCode_ !== null)
          throw new Error(`the backend exited with ${backend.exitCode_}`);
        const shots = await renderPages({
          appUrl,
          outDir,
          pages: [
            {
              path: '/dingtalk',
              heading: 'DingTalk',
              text: 'Adopted corp',
              shot: 'dingtalk.png',
            },
            { path: '/oncall', heading: 'On-call', shot: 'oncall.png' },
          ],
        });
        process.stdout.write(
          `${shots.map(s => `  ${path.relative(root, s)}`).join('\n')}\n`,
        );
      },
    );
    passed = true;
  } finally {
    await procs.killAll();
    process.stdout.write('\nsteps:\n');
    for (const [name, s] of timings)
      process.stdout.write(`  ${s.toFixed(1).padStart(7)} s  ${name}\n`);
    process.stdout.write(
      `  ${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s  total\n`,
    );
    if (!passed || process.env.ADOPT_KEEP === '1') {
      process.stdout.write(
        `\nthe app is kept in ${work}; logs in ${path.relative(
          root,
          logDir,
        )}\n`,
      );
    } else {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  async function guestToken() {
    // The fresh app's guest provider hands out a user token in development.
    const res = await procs.request(
      `http://127.0.0.1:${port}/api/auth/guest/refresh`,
      {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      },
    );
    const token =
      res &&
      res.status === 200 &&
      JSON.parse(res.body).backstageIdentity?.token;
    if (!token)
      throw new Error(
        `guest sign-in failed: ${
          res ? `${res.status} ${res.body}` : 'no answer'
        }`,
      );
    return token;
  }
}

const stop = async signal => {
  await procs.killAll(2000);
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

main().then(
  () => process.stdout.write('\nadopter check passed\n'),
  e => {
    process.stderr.write(
      `\nadopter check FAILED${e.step ? ` in "${e.step}"` : ''}: ${
        e.message
      }\n`,
    );
    process.exitCode = 1;
  },
);
