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

// The README's "Install into an existing Backstage" section is the script the
// adopter check follows: each fenced block right after an
// `<!-- adopt: VERB ARGS -->` comment is applied to the fresh app as written,
// so the instructions cannot drift from what is tested. Verbs:
//   run                          run the block with bash in the app's root
//   merge FILE                   deep-merge the JSON block into FILE
//   yaml FILE                    deep-merge the YAML block into FILE
//   insert FILE before "TEXT"    put the block on its own lines before the
//                                first line containing TEXT
//   insert FILE after "TEXT"     put the block (one line) right after the
//                                first TEXT, followed by a space
//   write FILE                   create FILE with the block (must not exist)
// Any block that cannot be applied (unknown verb, missing file or anchor,
// invalid JSON/YAML, a file that already exists) fails the check.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SECTION = '## Install into an existing Backstage';

/** The marked blocks of the README's install section, in order. */
function readBlocks(readmeFile) {
  const text = fs.readFileSync(readmeFile, 'utf8');
  const start = text.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README has no "${SECTION}" section`);
  const rest = text.slice(start + 1 + SECTION.length);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const lines = section.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- adopt: (.*?) -->$/.exec(lines[i].trim());
    if (!marker) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = /^(`{3,})(\S*)/.exec(lines[j] ?? '');
    if (!fence) {
      throw new Error(
        `README: "<!-- adopt: ${marker[1]} -->" is not followed by a code block`,
      );
    }
    const body = [];
    for (j++; j < lines.length && !lines[j].startsWith(fence[1]); j++) {
      body.push(lines[j]);
    }
    if (j >= lines.length)
      throw new Error(`README: unterminated block after "${marker[1]}"`);
    blocks.push({
      directive: marker[1],
      lang: fence[2],
      body: `${body.join('\n')}\n`,
    });
    i = j;
  }
  if (blocks.length === 0)
    throw new Error(`README: "${SECTION}" has no adopt blocks`);
  return blocks;
}

/** Splits `insert FILE before "TEXT"` into words, keeping quoted text whole. */
function words(directive) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m; (m = re.exec(directive)); ) {
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  }
  return out;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergeJson(target, fragment, where) {
  for (const [key, value] of Object.entries(fragment)) {
    if (isObject(value) && key in target && !isObject(target[key])) {
      throw new Error(`${where}: "${key}" is not an object in the file`);
    }
    if (isObject(value) && isObject(target[key])) {
      mergeJson(target[key], value, `${where}.${key}`);
    } else {
      target[key] = value;
    }
  }
}

function mergeYaml(doc, fragment, YAML, where, at = []) {
  for (const [key, value] of Object.entries(fragment)) {
    const keyPath = [...at, key];
    const existing = doc.getIn(keyPath, true);
    if (isObject(value) && YAML.isMap(existing)) {
      mergeYaml(doc, value, YAML, where, keyPath);
    } else if (
      isObject(value) &&
      existing !== undefined &&
      !YAML.isMap(existing)
    ) {
      throw new Error(
        `${where}: "${keyPath.join('.')}" is not a mapping in the file`,
      );
    } else {
      doc.setIn(keyPath, value);
    }
  }
}

/**
 * Applies one block to the app in `appDir`. `env` is passed to `run` blocks.
 * Returns a one-line description of what was done.
 */
function applyBlock(block, { appDir, env }) {
  const [verb, file, ...args] = words(block.directive);
  const where = `README block "${block.directive}"`;
  const target = file && path.resolve(appDir, file);
  if (target && !target.startsWith(appDir + path.sep)) {
    throw new Error(`${where}: ${file} is outside the app`);
  }
  const mustExist = () => {
    if (!fs.existsSync(target))
      throw new Error(`${where}: the app has no ${file}`);
    return fs.readFileSync(target, 'utf8');
  };
  switch (verb) {
    case 'run': {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block.body], {
        cwd: appDir,
        env,
        stdio: 'inherit',
      });
      if (r.status !== 0)
        throw new Error(`${where}: exited with ${r.status ?? r.signal}`);
      return `ran ${
        block.body
          .trim()
          .split('\n')
          .filter(l => !l.startsWith('#')).length
      } command(s)`;
    }
    case 'merge': {
      let fragment;
      try {
        fragment = JSON.parse(block.body);
      } catch (e) {
        throw new Error(`${where}: invalid JSON: ${e.message}`);
      }
      const json = JSON.parse(mustExist());
      mergeJson(json, fragment, where);
      fs.writeFileSync(target, `${JSON.stringify(json, null, 2)}\n`);
      return `merged into ${file}`;
    }
    case 'yaml': {
      const YAML = require('yaml');
      const fragment = YAML.parse(block.body);
      if (!isObject(fragment))
        throw new Error(`${where}: the block is not a YAML mapping`);
      const doc = YAML.parseDocument(mustExist());
      if (doc.errors.length)
        throw new Error(`${where}: ${file}: ${doc.errors[0].message}`);
      mergeYaml(doc, fragment, YAML, where);
      fs.writeFileSync(target, String(doc));
      return `merged into ${file}`;
    }
    case 'insert': {
      const [position, anchor] = args;
      if (
        !['before', 'after'].includes(position) ||
        !anchor ||
        args.length !== 2
      ) {
        throw new Error(`${where}: expected insert FILE before|after "TEXT"`);
      }
      const text = mustExist();
      const at = text.indexOf(anchor);
      if (at < 0) throw new Error(`${where}: ${file} has no "${anchor}"`);
      let out;
      if (position === 'before') {
        const lineStart = text.lastIndexOf('\n', at) + 1;
        out = text.slice(0, lineStart) + block.body + text.slice(lineStart);
      } else {
        // Inline, e.g. an element at the start of a list: `[` + `x, ` + `...]`.
        const end = at + anchor.length;
        out = `${text.slice(0, end)}${block.body.trim()} ${text.slice(end)}`;
      }
      fs.writeFileSync(target, out);
      return `inserted into ${file} ${position} "${anchor}"`;
    }
    case 'write': {
      if (fs.existsSync(target))
        throw new Error(`${where}: ${file} already exists`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, block.body);
      return `wrote ${file}`;
    }
    default:
      throw new Error(`${where}: unknown verb "${verb}"`);
  }
}

module.exports = { readBlocks, applyBlock, words };
