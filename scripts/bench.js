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

// `npm run bench [name]`: runs every bench/*.ts (or those whose name contains
// the argument) one after the other, each in its own process so that one
// benchmark's memory does not colour the next. Each script prints its figures,
// the target and PASS/FAIL; this runner sums up and fails if any failed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const only = process.argv[2];
const scripts = fs
  .readdirSync(path.join(root, 'bench'))
  .filter(f => f.endsWith('.ts'))
  .filter(f => !only || f.includes(only))
  .sort();

if (scripts.length === 0) {
  process.stdout.write('No benchmarks found in bench/\n');
  process.exit(1);
}

let failed = 0;
for (const script of scripts) {
  process.stdout.write(`\n=== bench/${script}\n`);
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      path.join('bench', script),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(
      `bench/${script}: FAIL (exit ${result.status}, ${seconds} s)\n`,
    );
  } else {
    process.stdout.write(`bench/${script}: done in ${seconds} s\n`);
  }
}
process.stdout.write(
  `\nbench: ${scripts.length - failed} passed, ${failed} failed\n`,
);
process.exit(failed ? 1 : 0);
