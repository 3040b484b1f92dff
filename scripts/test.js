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

// `npm test`: every package's tests, once, against SQLite and PostgreSQL.
//
// Backstage's TestDatabases only runs PostgreSQL tests when it is given a
// connection string (we never use Docker), so this script finds the local
// server and passes it on. Under CI a missing PostgreSQL is an error, not a
// silent skip: the database tests are half of what we promise.
const { spawn } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const {
  ensureH5Bundle,
} = require('../plugins/dingtalk-backend/scripts/build-h5');

const root = path.resolve(__dirname, '..');

function reachable(host, port) {
  return new Promise(resolve => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function main() {
  // The H5 page's JSAPI bundle is a build artefact the DingTalk backend serves.
  ensureH5Bundle();
  const env = { ...process.env, BACKSTAGE_TEST_DISABLE_DOCKER: '1', TZ: 'UTC' };
  const pgVar = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
  if (!env[pgVar]) {
    if (await reachable('127.0.0.1', 5432)) {
      env[pgVar] = `postgresql://${env.PGUSER ?? 'postgres'}@127.0.0.1:5432`;
    } else if (env.CI) {
      throw new Error(
        'PostgreSQL is not answering on 127.0.0.1:5432 (run .ci/run, which starts it)',
      );
    } else {
      process.stderr.write(
        'PostgreSQL not found on 127.0.0.1:5432: its tests are skipped in this run\n',
      );
    }
  }
  if (
    !env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING &&
    (await reachable('127.0.0.1', 6379))
  ) {
    env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING =
      'redis://127.0.0.1:6379';
  }

  const reportDir = path.join(root, 'artifacts');
  fs.mkdirSync(reportDir, { recursive: true });
  const report = path.join(reportDir, 'jest-results.json');
  fs.rmSync(report, { force: true });

  const args = [
    'repo',
    'test',
    '--watchAll=false',
    '--json',
    `--outputFile=${report}`,
    ...process.argv.slice(2),
  ];
  // Run by this script's node, so the line below says what the tests run on.
  process.stdout.write(`tests on Node ${process.version}\n`);
  const code = await new Promise(resolve => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules/.bin/backstage-cli'), ...args],
      {
        cwd: root,
        env,
        stdio: 'inherit',
      },
    );
    child.on('exit', c => resolve(c ?? 1));
  });

  if (fs.existsSync(report)) {
    const results = JSON.parse(fs.readFileSync(report, 'utf8'));
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
    if (results.numTotalTests === 0) {
      process.stderr.write('No test ran\n');
      process.exit(1);
    }
  }
  process.exit(code);
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
