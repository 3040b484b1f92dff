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

// `npm run build:api-reports` writes every publishable package's API reports
// (report.api.md, report-alpha.api.md) and SQL reports (report.sql.md);
// `npm run api-reports:check` (CI) fails when one of them is out of date, so
// a change to a public API or a database schema is always a deliberate one
// that shows up in review.
//
// This wraps `backstage-repo-tools api-reports` with the flags Backstage
// itself uses. Its own `--tsc` runs `yarn tsc` (this repo uses npm) and its
// hint says `yarn build:api-reports`, so this script runs tsc itself (the
// reports are read from dist-types) and prints the npm command to run.
// Extra arguments (package paths, --include/--exclude) are passed through.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = name => path.join(root, 'node_modules', '.bin', name);
const args = process.argv.slice(2);
const ci = args.includes('--ci');

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const started = Date.now();
// A fresh emit, never an incremental one: tsc prints the members of a union
// in the order it created their types, which after incremental rebuilds
// differs from a clean checkout's (zod-inferred types showed
// 'info' | 'critical' | 'warning' in one and 'critical' | ... in the other).
fs.rmSync(path.join(root, 'dist-types'), { recursive: true, force: true });
if (run(bin('tsc'), []) !== 0) {
  console.error('\napi-reports: tsc failed, so no report can be checked.');
  process.exit(1);
}

// app and backend (roles frontend/backend) are skipped by the tool itself.
const status = run(bin('backstage-repo-tools'), [
  'api-reports',
  // The two messages Backstage's own root script omits: members without a
  // doc comment are allowed, and so are non-.d.ts inputs.
  '--omit-messages',
  'ae-undocumented,ae-wrong-input-file-type',
  // A symbol of the main entry point is @public, one of /alpha is @alpha.
  '--validate-release-tags',
  '--sql-reports',
  ...args,
]);

const seconds = Math.round((Date.now() - started) / 1000);
if (status !== 0) {
  console.error(
    ci
      ? [
          '',
          'API reports check FAILED: a package\u2019s public API (or database schema)',
          'differs from its committed report*.api.md / report.sql.md, a report is',
          'missing or stale, or a report has warnings (see above).',
          'If the change is intended, run `npm run build:api-reports`, review and',
          'commit the changed report files, and add a changeset',
          '(`npm run changeset`) for the packages whose API changed.',
          '',
        ].join('\n')
      : '\napi-reports: failed (see above).\n',
  );
  process.exit(status);
}
console.log(
  `\napi-reports: ${
    ci ? 'all reports are current' : 'reports written'
  } (${seconds}s).`,
);
