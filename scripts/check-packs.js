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

// Checks the tarballs `npm run pack` made (artifacts/packs/manifest.json), so
// that what we would publish is what a Backstage app can install:
//   - entry points (main, module, types, exports, typesVersions, bin) point
//     into dist/ (bin: bin/) and those files are in the tarball;
//   - a package with a config.d.ts ships config.schema.json, a schema that
//     Backstage's config loader compiles and that equals the schema compiled
//     from the source config.d.ts;
//   - no tests, test utilities or TypeScript sources;
//   - every file of the package's `files` entries (migrations, assets, the
//     built H5 bundle, ...) is in the tarball;
//   - dependencies on our own packages are semver ranges that the packed
//     versions satisfy, and every package that dist/ imports is declared.
// Usage: node scripts/check-packs.js [dir]  (default artifacts/packs)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { builtinModules } = require('node:module');
const { execFileSync } = require('node:child_process');
const semver = require('semver');
const { loadConfigSchema } = require('@backstage/config-loader');

const root = path.resolve(__dirname, '..');
const SCOPE = '@dingtalk-oncall/';
const FORBIDDEN = [
  [/(^|\/)[^/]*\.test\.[cm]?[jt]sx?$/, 'a test file'],
  [/(^|\/)__testUtils__(\/|$)/, 'test utilities (__testUtils__)'],
  [/(^|\/)setupTests\.[jt]sx?$/, 'a test setup file'],
  [/^src\//, 'TypeScript sources (src/)'],
  [/^dev\//, 'the dev/ harness'],
  [/(^|\/)\.eslintrc\.[cm]?js$/, 'lint configuration'],
  [/\.tsbuildinfo$/, 'a TypeScript build cache'],
];

function listTarball(file) {
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(line => line && !line.endsWith('/'))
    .map(line => line.replace(/^package\//, ''));
}

function extract(file) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-pack-'));
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  return path.join(dir, 'package');
}

/** Every string an entry-point field names, with where it was found. */
function entryPoints(pkg) {
  const found = [];
  for (const field of ['main', 'module', 'types', 'browser']) {
    if (typeof pkg[field] === 'string') found.push([field, pkg[field]]);
  }
  const walk = (value, where) => {
    if (typeof value === 'string') found.push([where, value]);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        // `backstage` is a condition that names the feature type, not a file.
        if (k !== 'backstage') walk(v, `${where}.${k}`);
      }
    }
  };
  walk(pkg.exports, 'exports');
  walk(pkg.typesVersions, 'typesVersions');
  return found;
}

function packageNameOf(specifier) {
  if (
    specifier.startsWith('.') ||
    !/^(@[\w.-]+\/)?[\w.-]+(\/[\w.@/-]*)?$/.test(specifier)
  ) {
    return undefined; // relative, absolute, node: or not a module name
  }
  const parts = specifier.split('/');
  const name = specifier.startsWith('@')
    ? parts.slice(0, 2).join('/')
    : parts[0];
  return builtinModules.includes(name) ? undefined : name;
}

/** Package names the built code (and its type declarations) imports. */
function importsOf(dir) {
  const names = new Map();
  const visit = rel => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (/\.(c|m)?js$|\.d\.ts$/.test(entry.name)) {
        const text = fs.readFileSync(path.join(dir, child), 'utf8');
        const re =
          /\brequire\(\s*['"]([^'"\n]+)['"]\s*\)|\bfrom\s*['"]([^'"\n]+)['"]|\bimport\(\s*['"]([^'"\n]+)['"]\s*\)|^\s*import\s*['"]([^'"\n]+)['"]/gm;
        let m;
        while ((m = re.exec(text))) {
          const name = packageNameOf(m[1] ?? m[2] ?? m[3] ?? m[4]);
          if (name && !names.has(name)) names.set(name, child);
        }
      }
    }
  };
  if (fs.existsSync(path.join(dir, 'dist'))) visit('dist');
  if (fs.existsSync(path.join(dir, 'migrations'))) visit('migrations');
  return names;
}

/** Files under a source `files` entry that the tarball must carry. */
function sourceFiles(sourceDir, entry) {
  const abs = path.join(sourceDir, entry);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [entry];
  const out = [];
  const visit = rel => {
    for (const e of fs.readdirSync(path.join(sourceDir, rel), {
      withFileTypes: true,
    })) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) visit(child);
      else out.push(child);
    }
  };
  visit(entry);
  return out;
}

async function compiledSchema(packageJsonPath) {
  const schema = await loadConfigSchema({
    dependencies: [],
    packagePaths: [packageJsonPath],
    excludePackageDependencies: true,
  });
  const { schemas } = schema.serialize();
  if (schemas.length !== 1) {
    throw new Error(`expected one schema, got ${schemas.length}`);
  }
  return schemas[0].value;
}

async function checkOne(item, dir, packed) {
  const problems = [];
  const fail = message => problems.push(message);
  const tarball = path.join(dir, item.file);
  if (!fs.existsSync(tarball)) return [`${item.file} is missing`];
  const files = new Set(listTarball(tarball));
  const extracted = extract(tarball);
  try {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(extracted, 'package.json'), 'utf8'),
    );
    const sourceDir = path.join(root, item.dir);
    const source = JSON.parse(
      fs.readFileSync(path.join(sourceDir, 'package.json'), 'utf8'),
    );
    if (pkg.name !== item.name || pkg.version !== item.version) {
      fail(`package.json says ${pkg.name}@${pkg.version}`);
    }
    if (pkg.private) fail('package.json is private');
    if (!pkg.description) fail('package.json has no description');
    if (pkg.license !== 'Apache-2.0') fail(`license is ${pkg.license}`);
    if (!pkg.homepage) fail('package.json has no homepage');
    if (!pkg.keywords?.includes('backstage')) fail('keywords lack backstage');
    if (!pkg.repository?.url || pkg.repository.directory !== item.dir) {
      fail(`repository should name ${item.dir} as its directory`);
    }
    if (!pkg.backstage?.role) fail('package.json has no backstage.role');
    if (!/backstage-cli package prepack/.test(pkg.scripts?.prepack ?? '')) {
      fail('scripts.prepack does not run backstage-cli package prepack');
    }

    // Entry points
    if (!pkg.main) fail('package.json has no main');
    if (!pkg.types) fail('package.json has no types');
    for (const [where, target] of entryPoints(pkg)) {
      const rel = target.replace(/^\.\//, '');
      if (rel === 'package.json') continue;
      if (!rel.startsWith('dist/')) {
        fail(`${where} points at ${target}, outside dist/`);
      } else if (!files.has(rel)) {
        fail(`${where} points at ${target}, which is not in the tarball`);
      }
    }
    for (const [name, target] of Object.entries(pkg.bin ?? {})) {
      const rel = target.replace(/^\.\//, '');
      if (!files.has(rel))
        fail(`bin ${name} (${target}) is not in the tarball`);
    }

    // Configuration schema
    if (source.configSchema) {
      if (pkg.configSchema !== 'config.schema.json') {
        fail(
          `configSchema is ${JSON.stringify(
            pkg.configSchema,
          )}, expected config.schema.json (backstage-cli package prepack writes it)`,
        );
      } else if (!files.has('config.schema.json')) {
        fail('config.schema.json is not in the tarball');
      } else {
        try {
          // loadConfigSchema compiles it with ajv: throws on an invalid schema.
          const shipped = await compiledSchema(
            path.join(extracted, 'package.json'),
          );
          const expected = await compiledSchema(
            path.join(sourceDir, 'package.json'),
          );
          if (JSON.stringify(shipped) !== JSON.stringify(expected)) {
            fail(
              `config.schema.json differs from the schema of ${source.configSchema}`,
            );
          }
          if (!shipped.properties || !Object.keys(shipped.properties).length) {
            fail('config.schema.json declares no configuration');
          }
        } catch (error) {
          fail(`config.schema.json does not load: ${error.message}`);
        }
      }
    }

    // What must not ship
    for (const file of files) {
      for (const [re, what] of FORBIDDEN) {
        if (re.test(file)) fail(`ships ${what}: ${file}`);
      }
    }

    // What must ship: every file of each `files` entry (dist is checked above)
    for (const entry of source.files ?? []) {
      if (entry === 'dist' || entry === source.configSchema) continue;
      for (const file of sourceFiles(sourceDir, entry)) {
        if (!files.has(file)) fail(`${file} (from files: ${entry}) is missing`);
      }
    }

    // Dependencies
    const declared = {
      ...pkg.peerDependencies,
      ...pkg.optionalDependencies,
      ...pkg.dependencies,
    };
    for (const [name, range] of Object.entries(declared)) {
      if (!name.startsWith(SCOPE)) continue;
      if (
        !semver.validRange(range) ||
        range === '*' ||
        /^(workspace|file|link):/.test(range)
      ) {
        fail(`depends on ${name} with ${range}, not a semver range`);
      } else if (
        packed.has(name) &&
        !semver.satisfies(packed.get(name), range)
      ) {
        fail(
          `depends on ${name}@${range}; the packed version is ${packed.get(
            name,
          )}`,
        );
      }
    }
    for (const [name, file] of importsOf(extracted)) {
      if (name === pkg.name || name in declared) continue;
      fail(`${file} imports ${name}, which package.json does not declare`);
    }
  } finally {
    fs.rmSync(path.dirname(extracted), { recursive: true, force: true });
  }
  return problems;
}

async function checkPacks(dir = path.join(root, 'artifacts/packs')) {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${manifestFile} is missing: run npm run pack`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const packed = new Map(manifest.map(item => [item.name, item.version]));
  let failed = 0;
  for (const item of manifest) {
    const problems = await checkOne(item, dir, packed);
    if (problems.length) {
      failed += 1;
      process.stdout.write(`FAIL ${item.file}\n`);
      for (const p of problems) process.stdout.write(`  - ${p}\n`);
    } else {
      process.stdout.write(`ok   ${item.file}\n`);
    }
  }
  if (failed) {
    throw new Error(
      `${failed} of ${manifest.length} tarballs failed the checks`,
    );
  }
  process.stdout.write(`${manifest.length} tarballs pass the checks\n`);
}

module.exports = { checkPacks };

if (require.main === module) {
  checkPacks(process.argv[2] && path.resolve(process.argv[2])).catch(error => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
