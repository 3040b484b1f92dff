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

// `npm run pack`: builds every package (npm run build), packs every
// publishable workspace with `npm pack` (whose prepack, `backstage-cli package
// prepack`, points the entry points at dist/ and compiles config.d.ts into
// config.schema.json) into artifacts/packs/, writes
// artifacts/packs/manifest.json and checks the tarballs (scripts/check-packs.js).
//
// manifest.json is the contract for scripts/adopt.js: an array of
//   { name, version, file, role, dir }
// file: the tarball's name in artifacts/packs/; role: backstage.role;
// dir: the package's folder in this repository.
//
//   node scripts/pack.js              build, pack, check
//   node scripts/pack.js --no-build   pack and check the current build
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { checkPacks } = require('./check-packs');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'artifacts', 'packs');

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${
        result.status ?? result.signal
      })`,
    );
  }
}

/** The workspaces that are published: every one not marked private. */
function publishableWorkspaces() {
  const rootPkg = JSON.parse(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
  );
  const dirs = rootPkg.workspaces.flatMap(pattern => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return fs
      .readdirSync(path.join(root, parent))
      .map(name => `${parent}/${name}`)
      .sort();
  });
  return dirs
    .filter(dir => fs.existsSync(path.join(root, dir, 'package.json')))
    .map(dir => ({
      dir,
      pkg: JSON.parse(
        fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'),
      ),
    }))
    .filter(({ pkg }) => !pkg.private);
}

// npm's tarball name for a package: @scope/name@1.0.0 -> scope-name-1.0.0.tgz
function tarballName(pkg) {
  return `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
}

async function main() {
  // Backstage's own metadata rules (pluginId, pluginPackages, sideEffects,
  // exports and typesVersions in sync): fail early with its fix command.
  try {
    run(path.join(root, 'node_modules/.bin/backstage-cli'), [
      'repo',
      'fix',
      '--publish',
      '--check',
    ]);
  } catch {
    throw new Error(
      'package.json metadata is out of sync: run npx backstage-cli repo fix --publish',
    );
  }
  if (!process.argv.includes('--no-build')) run('npm', ['run', 'build']);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const manifest = [];
  for (const { dir, pkg } of publishableWorkspaces()) {
    try {
      run(
        'npm',
        [
          'pack',
          '--pack-destination',
          out,
          '--silent',
          '--ignore-scripts=false',
        ],
        path.join(root, dir),
      );
    } finally {
      // A failed prepack leaves the rewritten package.json behind: restore it.
      if (fs.existsSync(path.join(root, dir, 'package.json-prepack'))) {
        run(
          path.join(root, 'node_modules/.bin/backstage-cli'),
          ['package', 'postpack'],
          path.join(root, dir),
        );
      }
    }
    const file = tarballName(pkg);
    if (!fs.existsSync(path.join(out, file))) {
      throw new Error(`npm pack in ${dir} did not write ${file}`);
    }
    manifest.push({
      name: pkg.name,
      version: pkg.version,
      file,
      role: pkg.backstage?.role,
      dir,
    });
  }
  fs.writeFileSync(
    path.join(out, 'manifest.json'),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  process.stdout.write('\nTarballs:\n');
  for (const item of manifest) {
    process.stdout.write(`  ${path.join(out, item.file)}\n`);
  }
  process.stdout.write(`  manifest: ${path.join(out, 'manifest.json')}\n\n`);
  await checkPacks(out);
}

main().catch(error => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
