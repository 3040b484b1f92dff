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

// The tarballs `npm run pack` made (artifacts/packs/manifest.json), and the
// check that the README installs every plugin among them from its tarball.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

/** The manifest's tarballs, each with the package.json it carries. */
function readPacks(packsDir) {
  const file = path.join(packsDir, 'manifest.json');
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} is missing: run \`npm run pack\` (or unset ADOPT_SKIP_PACK)`,
    );
  }
  const packs = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const p of packs) {
    p.path = path.resolve(packsDir, p.file);
    if (!fs.existsSync(p.path))
      throw new Error(`manifest.json lists ${p.file}, which is missing`);
    p.manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', p.path, 'package/package.json'], {
        encoding: 'utf8',
      }),
    );
  }
  return packs;
}

/**
 * The README must add every plugin `npm run pack` makes to the app, each
 * from its tarball (libraries come with them; the emulator is a dev tool).
 */
function checkInstalled(app, packs) {
  const read = f => JSON.parse(fs.readFileSync(path.join(app.dir, f), 'utf8'));
  const resolutions = read('package.json').resolutions ?? {};
  const deps = {
    ...read('packages/app/package.json').dependencies,
    ...read('packages/backend/package.json').dependencies,
  };
  for (const p of packs) {
    const target = resolutions[p.name];
    if (target && target.startsWith('file:')) {
      const tarball = path.resolve(app.dir, target.slice('file:'.length));
      if (!fs.existsSync(tarball)) {
        throw new Error(
          `the README points ${p.name} at ${target}, which its steps did not create (npm run pack made ${p.file})`,
        );
      }
    }
    if (!/plugin/.test(p.role ?? '')) continue;
    if (!target || !target.startsWith('file:')) {
      throw new Error(
        `the README's resolutions do not point ${p.name} at its tarball (${p.file})`,
      );
    }
    if (!deps[p.name]) {
      throw new Error(
        `the README does not add ${p.name} to packages/app or packages/backend`,
      );
    }
  }
}

module.exports = { readPacks, checkInstalled };
