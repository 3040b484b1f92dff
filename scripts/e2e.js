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

// `npm run e2e`: starts the product (emulator + backend + frontend dev
// server), drives Debian's Chromium with playwright-core through every
// scenario in e2e/*.e2e.js, and writes screenshots to artifacts/e2e/.
// Browsers are never downloaded: set CHROMIUM_PATH to use another binary.
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { startStack } = require('./stack');
const secrets = require('../e2e/secrets');

const root = path.resolve(__dirname, '..');
const artifacts = path.join(root, 'artifacts', 'e2e');

async function main() {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath} (apt-get install chromium)`,
    );
  }
  fs.mkdirSync(artifacts, { recursive: true });
  const only = process.argv[2];
  const specs = fs
    .readdirSync(path.join(root, 'e2e'))
    .filter(f => f.endsWith('.e2e.js'))
    .filter(f => !only || f.includes(only))
    .sort();

  process.stdout.write('Starting emulator, backend and frontend...\n');
  // The backend's whole log is kept: after the run it must hold no secret.
  const logFile = path.join(artifacts, 'backend.log');
  const log = fs.createWriteStream(logFile);
  const stack = await startStack({
    quiet: !process.env.E2E_VERBOSE,
    onBackendOutput: text => log.write(text),
  });
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-gpu',
        '--no-first-run',
      ],
    });
    for (const spec of specs) {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 900 },
      });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const name = spec.replace(/\.e2e\.js$/, '');
      const shot = async label => {
        const file = path.join(artifacts, `${name}-${label}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      };
      const started = Date.now();
      try {
        await require(path.join(root, 'e2e', spec))({
          page,
          context,
          shot,
          appUrl: 'http://localhost:3000',
          backendUrl: 'http://localhost:7007',
          emulatorUrl: stack.emulatorUrl,
        });
        passed += 1;
        process.stdout.write(`PASS ${name} (${Date.now() - started} ms)\n`);
      } catch (error) {
        failed += 1;
        await shot('failure').catch(() => undefined);
        process.stdout.write(`FAIL ${name}: ${error.stack ?? error}\n`);
      } finally {
        await context.close();
      }
    }
  } finally {
    if (browser) await browser.close();
    // Read while the emulator still runs: it knows the apps' secrets.
    await secrets.rememberEmulator(stack.emulatorUrl).catch(error => {
      process.stdout.write(`could not read the emulator's secrets: ${error}\n`);
    });
    await stack.stop();
    await new Promise(resolve => log.end(resolve));
  }
  const leaked = checkLog(logFile);
  process.stdout.write(`\ne2e: ${passed} passed, ${failed} failed\n`);
  process.stdout.write(`screenshots: ${path.relative(root, artifacts)}/\n`);
  process.exit(failed > 0 || passed === 0 || leaked ? 1 : 0);
}

/** Fails the run when any secret the run used appears in the backend's log. */
function checkLog(logFile) {
  secrets.rememberConfig(path.join(root, 'app-config.yaml'));
  const found = secrets.findInLog(fs.readFileSync(logFile, 'utf8'));
  const where = path.relative(root, logFile);
  if (found.length === 0) {
    process.stdout.write(
      `backend log: none of ${secrets.count()} secrets appears in ${where}\n`,
    );
    return false;
  }
  for (const { label, lines } of found) {
    process.stdout.write(
      `FAIL secret in the backend log: ${label} on ${
        lines.length
      } line(s) of ${where} (${lines.slice(0, 5).join(', ')}${
        lines.length > 5 ? ', ...' : ''
      })\n`,
    );
  }
  return true;
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
