#!/usr/bin/env node
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

// The emulator's command line. In the repository it runs the TypeScript
// sources with Backstage's node transform, so it never runs a stale build; an
// installed package has no src/ and runs its build, dist/.
const path = require('node:path');
const fs = require('node:fs');

const source = path.resolve(__dirname, '../src/index.ts');
let emulatorPackage;
if (fs.existsSync(source)) {
  require('@backstage/cli/config/nodeTransform.cjs');
  emulatorPackage = require(source);
} else {
  emulatorPackage = require('../dist/index.cjs.js');
}
const { createEmulator } = emulatorPackage;

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  if (process.argv.includes('--help')) {
    process.stdout.write(
      'Usage: dingtalk-emulator [--port 7788] [--host 127.0.0.1] [--demo] [--seed seed.json] [--allowed-origin http://localhost:3000 ...]\n',
    );
    return;
  }
  const seedFile = arg('seed');
  const emulator = await createEmulator({
    port: Number(arg('port') ?? 7788),
    host: arg('host') ?? '127.0.0.1',
    demo: process.argv.includes('--demo'),
    seed: seedFile ? JSON.parse(fs.readFileSync(seedFile, 'utf8')) : undefined,
    // Origins of the apps' own pages besides their backends' (DingTalk's
    // trusted domains): JSAPI login codes and web-login redirects go there.
    allowedOrigins: process.argv
      .map((a, i) =>
        a === '--allowed-origin' ? process.argv[i + 1] : undefined,
      )
      .filter(Boolean),
    log: line => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `DingTalk emulator listening on ${emulator.baseUrl} (both api.dingtalk.com and oapi.dingtalk.com paths)\n` +
      `Simulator UI: ${emulator.baseUrl}/\n`,
  );
  const stop = () => emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
