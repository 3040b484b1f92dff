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

// Sign in to Backstage with DingTalk, twice, as bob:
// 1. in a browser: the sign-in page's DingTalk entry opens DingTalk's login
//    page (the emulator's), bob is chosen there, and the popup hands the
//    session back; bob's catalog user is his Backstage identity;
// 2. inside the (simulated) DingTalk client: a Backstage page opened from the
//    workbench or a card link signs bob in by itself, with no prompt;
// 3. a card click: bob never opened the H5 page, his link is the org sync's,
//    and his Acknowledge on an incident card in the simulator acts as
//    user:default/bob.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { cardClickAsBob } = require('./05-card-click');
const { despiteRestarts } = require('./05-restarts');

const APP_KEY = 'dingdemoappkey000000';

async function session(page, backendUrl) {
  const res = await page.request.get(
    `${backendUrl}/api/auth/dingtalk/refresh?env=development`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  assert.equal(res.status(), 200, await res.text());
  return (await res.json()).backstageIdentity;
}

async function identity(page, backendUrl) {
  return (await session(page, backendUrl)).identity;
}

// bob's catalog user comes from the DingTalk org provider's first sync, a
// little after the backend started: wait for it (with its DingTalk user ID).
// The development backend restarts when a source file changes (its database
// is in memory, so the catalog syncs again): a refused connection or a stale
// token means "not yet".
async function waitForBob(page, backendUrl) {
  let seen = 'no answer yet';
  for (let i = 0; ; i++) {
    try {
      const guest = await page.request.get(
        `${backendUrl}/api/auth/guest/refresh`,
        { headers: { 'x-requested-with': 'XMLHttpRequest' } },
      );
      const token = (await guest.json()).backstageIdentity.token;
      const res = await page.request.get(
        `${backendUrl}/api/catalog/entities/by-name/user/default/bob`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const entity = res.ok() ? await res.json() : undefined;
      if (entity?.metadata.annotations?.['dingtalk.com/user-id'] === 'bob') {
        return entity;
      }
      seen = entity
        ? `bob without the org provider's annotation: ${JSON.stringify(
            entity.metadata.annotations,
          )}`
        : `HTTP ${res.status()}`;
    } catch (error) {
      // the backend is (re)starting
      seen = String(error.message).split('\n')[0];
    }
    assert.ok(
      i < 180,
      `the catalog has bob's DingTalk user within three minutes (last: ${seen})`,
    );
    await page.waitForTimeout(1000);
  }
}

// 1. The web login through DingTalk's authorisation page.
async function webLogin({ page, context, shot, appUrl, backendUrl }, codes, n) {
  if (n > 1) {
    // a restart cut the last try short: start signed out again
    await context.clearCookies();
    await page.goto(appUrl);
    await page.evaluate(() => localStorage.clear());
  }
  await page.goto(appUrl);
  await page.getByRole('button', { name: 'Enter' }).waitFor({
    timeout: 60_000,
  });
  const card = page
    .locator('.MuiCard-root, li', { hasText: 'DingTalk' })
    .filter({ has: page.getByRole('button', { name: /sign in/i }) })
    .first();
  await shot('sign-in-page');
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    card.getByRole('button', { name: /sign in/i }).click(),
  ]);
  // DingTalk's page (the emulator's), listing the demo organisation
  const bob = popup.getByRole('button', { name: /Bob Li/ });
  await bob.waitFor({ timeout: 30_000 });
  assert.match(popup.url(), /\/oauth2\/auth\?/);
  assert.match(popup.url(), /state=/);
  await popup.screenshot({
    path: path.join(
      path.dirname(await shot('sign-in-popup-open')),
      '05-dingtalk-sign-in-dingtalk-login-page.png',
    ),
  });
  await bob.click();
  await popup.waitForEvent('close', { timeout: 30_000 }).catch(() => undefined);
  await page
    .getByRole('link', { name: 'DingTalk', exact: true })
    .waitFor({ timeout: 60_000 });
  await shot('signed-in-with-dingtalk');
  const signedIn = await identity(page, backendUrl);
  assert.equal(signedIn.userEntityRef, 'user:default/bob');
  assert.ok(codes.length > 0, 'the redirect carried a code');
  const log = fs.readFileSync(
    path.join(__dirname, '..', 'artifacts', 'e2e', 'backend.log'),
    'utf8',
  );
  for (const code of codes) {
    assert.ok(!log.includes(code), 'no login code in the backend log');
  }
}

// 2. Login-free inside DingTalk: a fresh browser (no cookies), the page
//    opened by the simulated DingTalk client as bob.
async function insideDingtalk({ context, shot, appUrl, backendUrl }) {
  const inside = await context.browser().newContext({
    viewport: { width: 1400, height: 900 },
  });
  const consoleLines = [];
  try {
    const dingtalkPage = await inside.newPage();
    dingtalkPage.setDefaultTimeout(30_000);
    dingtalkPage.on('console', m => {
      if (m.type() === 'error' && !m.text().startsWith('Warning:')) {
        consoleLines.push(m.text().slice(0, 300));
      }
    });
    dingtalkPage.on('pageerror', e => consoleLines.push(String(e)));
    await dingtalkPage.goto(`${appUrl}/?dd_app=${APP_KEY}&dd_user=bob`);
    await dingtalkPage
      .getByRole('link', { name: 'DingTalk', exact: true })
      .first()
      .waitFor({ timeout: 60_000 });
    // signed in without anyone pressing a button
    assert.equal(
      await dingtalkPage.getByRole('button', { name: 'Enter' }).count(),
      0,
    );
    await dingtalkPage.screenshot({
      path: path.join(
        path.dirname(await shot('inside-dingtalk-opened')),
        '05-dingtalk-sign-in-inside-dingtalk.png',
      ),
      fullPage: true,
    });
    const insideIdentity = await identity(dingtalkPage, backendUrl);
    assert.equal(insideIdentity.userEntityRef, 'user:default/bob');
  } catch (error) {
    const pages = inside.pages();
    if (pages[0]) {
      await pages[0]
        .screenshot({
          path: path.join(
            path.dirname(await shot('inside-dingtalk-failed')),
            '05-dingtalk-sign-in-inside-dingtalk-failure.png',
          ),
        })
        .catch(() => undefined);
    }
    error.message += `\nthe page inside DingTalk said:\n${consoleLines.join(
      '\n',
    )}`;
    throw error;
  } finally {
    await inside.close();
  }
}

module.exports = async ({
  page,
  context,
  shot,
  appUrl,
  backendUrl,
  emulatorUrl,
}) => {
  await waitForBob(page, backendUrl);
  // Login codes travel in URLs (DingTalk's redirect): none may reach a log.
  const codes = [];
  context.on('request', request => {
    const url = new URL(request.url());
    for (const name of ['code', 'authCode']) {
      const value = url.searchParams.get(name);
      if (value) codes.push(value);
    }
  });

  const ready = () => waitForBob(page, backendUrl);
  const args = { page, context, shot, appUrl, backendUrl };
  await despiteRestarts('the web login', n => webLogin(args, codes, n), {
    ready,
  });
  await ready();
  await despiteRestarts('the login-free sign-in', () => insideDingtalk(args), {
    ready,
  });

  // 3. bob, signed in with DingTalk only, acknowledges from a card.
  await cardClickAsBob({
    page,
    shot,
    appUrl,
    backendUrl,
    emulatorUrl,
    bobSession: () => session(page, backendUrl),
    waitForBob: ready,
  });
};
