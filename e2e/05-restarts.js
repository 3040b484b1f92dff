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

// The development backend restarts when a source file changes (others edit
// the tree while e2e runs) and its database is in memory: a step that a
// restart cut short is run again, a step that failed on its own is not.
// The runner writes the backend's whole output to artifacts/e2e/backend.log,
// where each restart says so.
const fs = require('node:fs');
const path = require('node:path');

const LOG = path.join(__dirname, '..', 'artifacts', 'e2e', 'backend.log');

function restarts() {
  try {
    return fs
      .readFileSync(LOG, 'utf8')
      .split('restarting the development server').length;
  } catch {
    return 0;
  }
}

/**
 * Runs `step` (given the try's number), again (at most `tries` times in all)
 * when the backend restarted while it ran; `ready` waits for the restarted
 * backend.
 */
async function despiteRestarts(label, step, { ready, tries = 3 }) {
  for (let n = 1; ; n++) {
    const before = restarts();
    try {
      return await step(n);
    } catch (error) {
      // the log is written as the backend prints: give it a moment
      await new Promise(r => setTimeout(r, 2000));
      if (n >= tries || restarts() === before) throw error;
      process.stdout.write(
        `05: the backend restarted during "${label}" (try ${n}): ${
          String(error.message).split('\n')[0]
        }; again\n`,
      );
      await ready();
    }
  }
}

module.exports = { despiteRestarts };
