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

// Builds DingTalk's JSAPI into the one browser script the H5 page loads,
// assets/h5/dingtalk-jsapi.js. `dingtalk-jsapi` ships as CommonJS modules and
// the backend's CSP allows no CDN, so the package's build (and prepack) bundles
// it here and the router only serves the file. The repo's start, test and e2e
// scripts call ensureH5Bundle(), which builds it when it is missing or was
// built from another dingtalk-jsapi version.
//
//   node plugins/dingtalk-backend/scripts/build-h5.js          build it
//   node plugins/dingtalk-backend/scripts/build-h5.js --check  fail when absent
const fs = require('node:fs');
const path = require('node:path');

const OUTFILE = path.resolve(__dirname, '../assets/h5/dingtalk-jsapi.js');

function jsapiPackageJson() {
  return require.resolve('dingtalk-jsapi/package.json', {
    paths: [path.resolve(__dirname, '..')],
  });
}

function banner() {
  const { version } = JSON.parse(fs.readFileSync(jsapiPackageJson(), 'utf8'));
  return `/* dingtalk-jsapi@${version} bundled for the DingTalk H5 page */`;
}

/** Bundles dingtalk-jsapi into OUTFILE; returns its path. */
function buildH5Bundle() {
  // Build-time only: esbuild and dingtalk-jsapi are devDependencies.
  const esbuild = require('esbuild');
  esbuild.buildSync({
    stdin: {
      contents: 'window.dd = require("dingtalk-jsapi");',
      resolveDir: path.dirname(jsapiPackageJson()),
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2015',
    minify: true,
    banner: { js: banner() },
    outfile: OUTFILE,
    logLevel: 'error',
  });
  return OUTFILE;
}

/** Builds OUTFILE unless it exists and was built from the installed version. */
function ensureH5Bundle() {
  if (fs.existsSync(OUTFILE)) {
    const head = fs.readFileSync(OUTFILE, 'utf8').slice(0, 200);
    if (head.startsWith(banner())) return OUTFILE;
  }
  return buildH5Bundle();
}

module.exports = { OUTFILE, buildH5Bundle, ensureH5Bundle };

if (require.main === module) {
  if (process.argv.includes('--check')) {
    if (!fs.existsSync(OUTFILE)) {
      process.stderr.write(
        `${OUTFILE} is missing: run node plugins/dingtalk-backend/scripts/build-h5.js\n`,
      );
      process.exit(1);
    }
  } else {
    const started = Date.now();
    buildH5Bundle();
    process.stdout.write(
      `H5 bundle: ${path.relative(process.cwd(), OUTFILE)} (${
        Date.now() - started
      } ms)\n`,
    );
  }
}
