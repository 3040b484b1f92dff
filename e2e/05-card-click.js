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

// Part 3 of 05-dingtalk-sign-in: bob, who only ever signed in with DingTalk
// (no H5 page, no mobile-link run, nothing stored in the links table), gets
// an incident's card in his one-to-one chat and acknowledges it in the
// simulator; the incident is acknowledged by user:default/bob. Not a spec of
// its own (the runner takes *.e2e.js only).
const assert = require('node:assert/strict');
const path = require('node:path');
const secrets = require('./secrets');
const { despiteRestarts } = require('./05-restarts');

const ARTIFACTS = path.join(__dirname, '..', 'artifacts', 'e2e');
const SERVICE = 'component:default/payments-gateway';
const BOB = 'user:default/bob';

async function guestToken(page, backendUrl) {
  const res = await page.request.get(`${backendUrl}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  assert.equal(res.status(), 200, await res.text());
  return (await res.json()).backstageIdentity.token;
}

function client(page, backendUrl, token) {
  return async (method, url, data) => {
    const res = await page.request[method](`${backendUrl}${url}`, {
      headers: { authorization: `Bearer ${token}` },
      ...(data ? { data } : {}),
    });
    assert.ok(
      res.ok(),
      `${method} ${url}: ${res.status()} ${await res.text()}`,
    );
    return res.json();
  };
}

/**
 * bob's link to the demo integration (the one that messages him) as the
 * backend sees it: the org sync's, nothing stored. (In a whole-suite run an
 * earlier spec links the demo people by mobile on a second integration of
 * the same corp, e2e-corp; that one is not what reaches bob here.)
 */
async function assertOnlySyncLink(asBob, asAlice, when) {
  const mine = (await asBob('get', '/api/dingtalk/links/me')).filter(
    l => l.integrationId === 'demo',
  );
  assert.deepEqual(
    mine.map(l => ({
      userEntityRef: l.userEntityRef,
      dingtalkUserId: l.dingtalkUserId,
      source: l.source,
    })),
    [{ userEntityRef: BOB, dingtalkUserId: 'bob', source: 'sync' }],
    `${when}: bob's only demo link is the org sync's`,
  );
  // A stored link (sign-in, H5, mobile, admin) has a time; the sync's has none.
  assert.equal(mine[0].linkedAt || '', '', `${when}: nothing stored for bob`);
  // The linked-users view (an admin's) says the same.
  const { items } = await asAlice(
    'get',
    '/api/dingtalk/links?integrationId=demo&q=bob',
  );
  const row = items.find(r => r.userEntityRef === BOB);
  assert.equal(row?.source, 'sync', `${when}: linked-users shows bob as sync`);
  assert.equal(row?.dingtalkUserId, 'bob');
}

async function attempt(ctx, n) {
  const { page, shot, appUrl, backendUrl, emulatorUrl } = ctx;
  await ctx.waitForBob();
  const bob = await ctx.bobSession();
  assert.equal(bob.identity.userEntityRef, BOB);
  secrets.remember('05: bob Backstage token', bob.token);
  const alice = await guestToken(page, backendUrl);
  secrets.remember('05: alice Backstage token', alice);
  const asBob = client(page, backendUrl, bob.token);
  const asAlice = client(page, backendUrl, alice);

  await assertOnlySyncLink(asBob, asAlice, 'before the click');

  // Setup through the API (not the point here): payments-gateway pages bob
  // directly, and an incident is declared on it.
  await asAlice(
    'put',
    `/api/oncall/services/${encodeURIComponent(SERVICE)}/rule`,
    {
      name: 'Payments (e2e 05)',
      steps: [{ delayMinutes: 0, targets: [{ type: 'user', ref: BOB }] }],
    },
  );
  const title = `Payments gateway refusing cards (e2e 05 #${n})`;
  const incident = await asAlice('post', '/api/oncall/incidents', {
    title,
    severity: 'critical',
    serviceRef: SERVICE,
  });
  assert.equal(incident.status, 'triggered');

  // The card reaches bob's one-to-one chat with the app's robot; bob
  // acknowledges it there, in the simulator.
  const simulator = await page.context().newPage();
  try {
    simulator.on('dialog', d => d.accept());
    await simulator.goto(`${emulatorUrl}/`);
    await simulator.locator('#actor').selectOption('bob');
    await simulator
      .locator('#users')
      .getByRole('link', { name: 'Bob Li', exact: true })
      .click();
    const card = simulator.locator('.card', { hasText: title });
    // the escalation engine ticks every 5 s, on a loaded machine
    await card.waitFor({ timeout: 90_000 });
    await simulator.screenshot({
      path: path.join(ARTIFACTS, '05-dingtalk-sign-in-bob-card.png'),
    });
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await card.getByText('Status: acknowledged').waitFor({ timeout: 30_000 });
    // the callback's answer, as DingTalk shows it to the clicker
    await simulator
      .locator('#toast')
      .getByText('Acknowledged as user:default/bob via DingTalk')
      .waitFor();
    await simulator.screenshot({
      path: path.join(ARTIFACTS, '05-dingtalk-sign-in-bob-acknowledged.png'),
    });
  } finally {
    await simulator.close();
  }

  // The incident was acknowledged by bob's catalog user, via DingTalk.
  const after = await asBob(
    'get',
    `/api/oncall/incidents/${encodeURIComponent(incident.id)}`,
  );
  assert.equal(after.status, 'acknowledged');
  assert.equal(after.acknowledgedBy, BOB);
  await page.goto(
    `${appUrl}/oncall/incidents/${encodeURIComponent(incident.id)}`,
  );
  await page
    .getByTestId('incident-status')
    .getByText(/acknowledged by user:default\/bob/)
    .waitFor({ timeout: 60_000 });
  await shot('acknowledged-by-bob');
  // The click linked nothing either.
  await assertOnlySyncLink(asBob, asAlice, 'after the click');
}

/** Part 3: a card click by bob acts as user:default/bob. */
async function cardClickAsBob(ctx) {
  await despiteRestarts('the card click', n => attempt(ctx, n), {
    ready: ctx.waitForBob,
  });
}

module.exports = { cardClickAsBob };
