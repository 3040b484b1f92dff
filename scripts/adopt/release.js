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

// Pins every @backstage/* package a fresh app depends on (directly or not) to
// the Backstage release in its backstage.json. create-app normally seeds
// yarn.lock from GitHub, which CI cannot reach; without the seed each package
// resolves to its own latest, and a newer plugin next to an older
// backend-defaults fails at start ("httpRouter.addWebSocketHandler is not a
// function"). The release manifest lives on a server CI cannot reach either,
// so it is derived offline from the registry's package manifests:
//  - the app's direct @backstage dependencies are create-app's own pins for
//    the release (`^<version in the release>`);
//  - Backstage publishes a release from one monorepo whose internal
//    dependencies are `workspace:^`, so a package of the release depends on
//    `^<version in the release>` of each other one. A package the app only
//    reaches indirectly is pinned to the highest such lower bound among the
//    pinned packages that depend on it, and so on until nothing new appears.
// Registry times cannot be used instead: the registry mirror here reports
// publish times days apart for packages of the same release.
const semver = require('semver');

const SCOPE = '@backstage/';

function lowerBound(range) {
  const min = semver.validRange(range) ? semver.minVersion(range) : null;
  return min ? min.version : null;
}

function backstageDeps(manifest) {
  const out = {};
  for (const field of ['dependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (name.startsWith(SCOPE)) out[name] = range;
    }
  }
  return out;
}

/**
 * @param {object} opts
 * @param {object[]} opts.appManifests the app's own package.json files
 * @param {object[]} opts.extraManifests other packages installed next to them (the tarballs)
 * @param {(specs: string[]) => Promise<object[]>} opts.info registry manifests of name@version specs
 * @returns {Promise<Record<string, string>>} name -> exact version, sorted by name
 */
async function resolveRelease({ appManifests, extraManifests, info }) {
  const direct = new Map();
  for (const m of appManifests) {
    for (const field of ['dependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(m[field] ?? {})) {
        if (!name.startsWith(SCOPE)) continue;
        const v = lowerBound(range);
        if (!v) throw new Error(`cannot read a version from ${name}@${range}`);
        if (direct.has(name) && direct.get(name) !== v) {
          throw new Error(
            `the app asks for two releases of ${name}: ${direct.get(
              name,
            )} and ${v}`,
          );
        }
        direct.set(name, v);
      }
    }
  }
  const pins = new Map(direct);
  const bounds = new Map(); // indirect package -> highest lower bound seen
  const fetched = new Set(); // name@version already read
  const raise = deps => {
    for (const [name, range] of Object.entries(deps)) {
      if (direct.has(name)) continue;
      const v = lowerBound(range);
      if (!v) continue;
      const seen = bounds.get(name);
      if (!seen || semver.gt(v, seen)) bounds.set(name, v);
    }
  };
  for (const m of extraManifests) raise(backstageDeps(m));
  for (;;) {
    for (const [name, v] of bounds) pins.set(name, v);
    const todo = [...pins]
      .map(([name, v]) => `${name}@${v}`)
      .filter(spec => !fetched.has(spec));
    if (todo.length === 0) break;
    const manifests = await info(todo);
    for (const spec of todo) fetched.add(spec);
    for (const m of manifests) raise(backstageDeps(m));
  }
  return Object.fromEntries(
    [...pins].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

module.exports = { resolveRelease };
