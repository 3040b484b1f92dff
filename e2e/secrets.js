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

// Every secret an e2e run uses or is given (webhook tokens from API responses,
// DingTalk app credentials, Backstage session tokens, card callback secrets),
// so that scripts/e2e.js can fail the run when one shows up in the backend's
// log. Specs call remember() with what they create; the runner adds the ones
// from app-config.yaml and the emulator's state.
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const secrets = new Map();

/** Remembers a secret under a label that says where it came from (the label, not the value, is reported). */
function remember(label, value) {
  if (typeof value !== 'string') return;
  const v = value.trim();
  // Shorter strings are not distinctive enough to grep for.
  if (v.length < 8) return;
  if (!secrets.has(v)) secrets.set(v, label);
}

const SECRET_KEYS =
  /^(clientSecret|appSecret|aesKey|token|encryptionKey|secret|apiSecret|password|cardApiSecret)$/i;

/** The secret-looking values of a parsed config or JSON document. */
function collectFrom(label, value, keyPath = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectFrom(label, v, [...keyPath, String(i)]));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && SECRET_KEYS.test(k)) {
        remember(`${label}: ${[...keyPath, k].join('.')}`, v);
      } else {
        collectFrom(label, v, [...keyPath, k]);
      }
    }
  }
}

/** Secrets in an app-config file (the demo integration's credentials, the encryption key). */
function rememberConfig(file) {
  collectFrom(path.basename(file), YAML.parse(fs.readFileSync(file, 'utf8')));
}

/**
 * Secrets the emulator holds for its apps: credentials, the card callback
 * secret, and the `key` of a card callback URL. Asks for them explicitly
 * (the state hides them otherwise).
 */
async function rememberEmulator(emulatorUrl) {
  for (const query of ['?secrets=1', '']) {
    const res = await fetch(`${emulatorUrl}/_emulator/api/state${query}`, {
      headers: { 'x-requested-with': 'e2e' },
    }).catch(() => undefined);
    if (!res?.ok) continue;
    const state = await res.json();
    for (const app of state.apps ?? []) {
      collectFrom(`emulator app ${app.appKey}`, app);
      if (app.cardCallbackUrl) {
        try {
          const url = new URL(app.cardCallbackUrl);
          for (const [k, v] of url.searchParams) {
            remember(`emulator app ${app.appKey}: cardCallbackUrl ?${k}`, v);
          }
        } catch {
          // not a URL: nothing to take from it
        }
      }
    }
  }
}

/**
 * The secrets that appear in a log, as `{ label, lines }` (line numbers,
 * 1-based). A secret also counts when URL-encoded.
 */
function findInLog(text) {
  // Colours would split nothing a secret is made of, but strip them anyway.
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const found = [];
  for (const [value, label] of secrets) {
    const forms = [...new Set([value, encodeURIComponent(value)])];
    const hits = [];
    lines.forEach((line, i) => {
      if (forms.some(f => line.includes(f))) hits.push(i + 1);
    });
    if (hits.length) found.push({ label, lines: hits });
  }
  return found;
}

module.exports = {
  remember,
  rememberConfig,
  rememberEmulator,
  findInLog,
  count: () => secrets.size,
};
