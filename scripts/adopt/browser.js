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

// Renders the adopted plugins' pages in Debian's Chromium (never a
// downloaded browser), signed in with the fresh app's guest sign-in.
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Opens each page, waits for its heading and screenshots it.
 * @param {object} opts
 * @param {string} opts.appUrl
 * @param {{path: string, heading: string, text?: string, shot: string}[]} opts.pages
 * @param {string} opts.outDir
 */
async function renderPages({ appUrl, pages, outDir }) {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath} (apt-get install chromium)`,
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ARGS,
  });
  const errors = [];
  try {
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    page.on('pageerror', e => errors.push(e.message));
    await page.goto(appUrl);
    // The fresh app's sign-in page offers the guest provider ("Enter").
    const enter = page.getByRole('button', { name: 'Enter' });
    await enter.waitFor({ timeout: 120_000 });
    await enter.click();
    await page.getByRole('link', { name: 'DingTalk' }).first().waitFor();
    const shots = [];
    for (const p of pages) {
      await page.goto(`${appUrl}${p.path}`);
      const file = path.join(outDir, p.shot);
      try {
        await page
          .getByRole('heading', { name: p.heading, exact: true })
          .first()
          .waitFor();
        if (p.text) await page.getByText(p.text).first().waitFor();
        // A page that rendered its header but failed below it shows an error panel.
        const failure = page.getByText(
          /Error:|Something went wrong|Could not load/,
        );
        if (await failure.count()) {
          throw new Error(
            `${p.path} shows an error: ${await failure.first().innerText()}`,
          );
        }
      } catch (e) {
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        throw new Error(
          `${p.path}: ${
            e.message.split('\n')[0]
          } (screenshot ${file}; page errors: ${errors.join(' | ') || 'none'})`,
        );
      }
      // What the page loads after its heading (lists, forms) is in the shot.
      await page
        .waitForLoadState('networkidle', { timeout: 15_000 })
        .catch(() => {});
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
    }
    return shots;
  } finally {
    await browser.close();
  }
}

module.exports = { renderPages };
