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

// The group-chat picker in a real browser: 10,000 groups with the Cool App
// installed (pushed by the emulator as DingTalk would), the escalation-rule
// editor open in Debian's Chromium, and the time from entering a word of a
// group's title (the input event) to that group showing in the list,
// measured inside the page (performance.now() at the input event, a
// MutationObserver for the row). Target: p95 < 200 ms. Baseline in the same
// run: the search request alone, fetched from the same page.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startStack } = require('../scripts/stack');

const GROUPS = Number(process.env.PICKER_GROUPS ?? 10_000);
const QUERIES = 30;
const TARGET_MS = 200;
const CORP = 'dingdemo0000000000';
// A second app of the demo organisation on the Exclusive edition: each Cool
// App install makes the plugin read the group's title from DingTalk (the
// event carries none), and 10,000 reads would take the Standard demo app's
// whole monthly quota at 20 QPS.
const APP = {
  corpId: CORP,
  appKey: 'dingbenchpicker00001',
  appSecret: 'bench-picker-secret-000000000000000000000000',
  agentId: '3000000077',
  aesKey: 'YmVuY2gtcGlja2VyLWFlcy1rZXktMzItYnl0ZXMtbG8',
  token: 'bench-picker-token',
};
const INTEGRATION = 'bench-picker';
const BACKEND = 'http://localhost:7007';
const WORDS = [
  'sre',
  'payments',
  'checkout',
  'search',
  'mobile',
  'data',
  'infra',
  'growth',
  'risk',
  'ops',
];

const title = (i: number) =>
  `${WORDS[i % WORDS.length]} team g${String(i).padStart(5, '0')}`;

function p95(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
}

async function control(emulatorUrl: string, method: string, body: object) {
  const res = await fetch(`${emulatorUrl}/_emulator/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function main() {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(
      `Chromium not found at ${executablePath} (apt-get install chromium)`,
    );
  const started = Date.now();
  const stack = await startStack({ quiet: true });
  let failed = false;
  const browser = await chromium.launch({
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
  try {
    // 10,000 groups, each getting the Cool App: every install is an event
    // pushed to the backend's callback, as DingTalk does.
    await control(stack.emulatorUrl, 'createApp', {
      ...APP,
      edition: 'exclusive',
      eventUrl: `${BACKEND}/api/dingtalk/integrations/${INTEGRATION}/events`,
    });
    const session = await fetch(`${BACKEND}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    const token = (await session.json()).backstageIdentity.token as string;
    const created = await fetch(`${BACKEND}/api/dingtalk/integrations`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        id: INTEGRATION,
        name: 'Bench picker',
        corpId: CORP,
        agentId: APP.agentId,
        clientId: APP.appKey,
        clientSecret: APP.appSecret,
        aesKey: APP.aesKey,
        token: APP.token,
        edition: 'exclusive',
      }),
    });
    if (created.status !== 201)
      throw new Error(
        `create integration: ${created.status} ${await created.text()}`,
      );
    const seedStarted = Date.now();
    let next = 0;
    let undelivered = 0;
    const worker = async () => {
      for (let i = next++; i < GROUPS; i = next++) {
        const group = await control(stack.emulatorUrl, 'createGroup', {
          corpId: CORP,
          title: title(i),
          ownerUserId: 'alice',
          memberUserIds: ['alice'],
        });
        const pushed = await control(stack.emulatorUrl, 'installCoolApp', {
          appKey: APP.appKey,
          openConversationId: group.openConversationId,
        });
        if (!pushed.delivered) undelivered += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    // An install whose answer came too late for the emulator's retry schedule
    // may still have been processed: what counts is the list the picker reads.
    let listed = 0;
    for (let tries = 0; tries < 60 && listed < GROUPS; tries++) {
      const res = await fetch(
        `${BACKEND}/api/dingtalk/integrations/${INTEGRATION}/groups?limit=1`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      listed = (await res.json()).total;
      if (listed < GROUPS) await new Promise(r => setTimeout(r, 1000));
    }
    console.log(
      `picker-browser: ${GROUPS.toLocaleString()} Cool App installs pushed in ${(
        (Date.now() - seedStarted) /
        1000
      ).toFixed(
        1,
      )} s (${undelivered} answered too late for the emulator's retries); ${listed.toLocaleString()} groups listed`,
    );
    if (listed < GROUPS)
      throw new Error(`only ${listed} of ${GROUPS} groups were listed`);

    const page = await (
      await browser.newContext({ viewport: { width: 1400, height: 900 } })
    ).newPage();
    page.setDefaultTimeout(60_000);
    await page.goto('http://localhost:3000');
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByRole('link', { name: 'On-call', exact: true }).click();
    const picker = page.getByTestId('step-1');
    const search = picker.getByLabel('Search group chats');
    await picker.getByLabel('Integration').click();
    await page.getByRole('option', { name: 'Bench picker' }).click();
    await search.waitFor();
    await picker.getByText(`Showing 200 of ${GROUPS}`).waitFor();

    const ui: number[] = [];
    const api: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const i = Math.floor((q * 7919) % GROUPS);
      const word = `g${String(i).padStart(5, '0')}`;
      const expected = title(i);
      // Start from a list that cannot hold the group, then enter the word.
      await search.fill('no-such-group');
      await picker
        .getByText('No group chat matches')
        .or(picker.locator('li'))
        .first()
        .waitFor({ state: 'attached' })
        .catch(() => undefined);
      await page.waitForTimeout(300); // the list for the other query has settled
      await page.evaluate(text => {
        const w = window as any;
        w.__pickerT1 = undefined;
        const root = document.querySelector('[data-testid="step-1"]')!;
        const seen = () =>
          [...root.querySelectorAll('.MuiListItemText-primary')].some(
            el => el.textContent === text,
          );
        w.__pickerObserver?.disconnect();
        w.__pickerObserver = new MutationObserver(() => {
          if (w.__pickerT1 === undefined && seen())
            w.__pickerT1 = performance.now();
        });
        w.__pickerObserver.observe(root, {
          childList: true,
          subtree: true,
          characterData: true,
        });
        const input = root.querySelector(
          'input[aria-label="Search group chats"]',
        ) as HTMLInputElement;
        input.addEventListener(
          'input',
          () => (w.__pickerT0 = performance.now()),
          { once: true },
        );
      }, expected);
      await search.fill(word);
      await picker.getByText(expected, { exact: true }).waitFor();
      const ms = await page.evaluate(
        () => (window as any).__pickerT1 - (window as any).__pickerT0,
      );
      if (process.env.PICKER_DEBUG)
        console.log(
          await page.evaluate(() => [
            (window as any).__pickerT0,
            (window as any).__pickerT1,
          ]),
          expected,
        );
      ui.push(ms);
      api.push(
        await page.evaluate(
          async ({ w, t, id }) => {
            const t0 = performance.now();
            const res = await fetch(
              `http://localhost:7007/api/dingtalk/integrations/${id}/groups?q=${w}&limit=200`,
              { headers: { authorization: `Bearer ${t}` } },
            );
            if (!res.ok) throw new Error(`search: HTTP ${res.status}`);
            await res.text();
            return performance.now() - t0;
          },
          { w: word, t: token, id: INTEGRATION },
        ),
      );
    }
    await page
      .screenshot({ path: 'artifacts/picker-browser.png' })
      .catch(() => undefined);
    const uiP95 = p95(ui);
    const pass = uiP95 < TARGET_MS;
    if (!pass) failed = true;
    console.log(
      `picker-browser ${GROUPS.toLocaleString()} groups, ${QUERIES} searches by a word of the title: keystroke to list p50 ${ui
        .sort((a, b) => a - b)
        [Math.floor(ui.length / 2)].toFixed(0)} ms, p95 ${uiP95.toFixed(
        0,
      )} ms (baseline: the search request alone from the page, p95 ${p95(
        api,
      ).toFixed(
        0,
      )} ms; the picker waits 100 ms after the last keystroke) target p95 < ${TARGET_MS} ms: ${
        pass ? 'PASS' : 'FAIL'
      }`,
    );
    console.log(
      `picker-browser run time ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await browser.close();
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
