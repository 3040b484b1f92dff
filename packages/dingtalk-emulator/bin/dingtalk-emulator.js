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

// Runs from the built package when there is one, else straight from the
// TypeScript sources with Backstage's node transform (no build step in the
// repository).
const path = require('node:path');
const fs = require('node:fs');

const built = path.resolve(__dirname, '../dist/cli.cjs.js');
if (fs.existsSync(built)) {
  require(built);
} else {
  require('@backstage/cli/config/nodeTransform.cjs');
  require('../src/cli.ts');
}
