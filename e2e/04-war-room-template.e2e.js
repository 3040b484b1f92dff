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

// The sample template examples/templates/incident-war-room, run from
// Backstage's Create page: exactly one DingTalk scene group is created from
// the demo integration's group template, owned by alice with bob invited, and
// the template's group bot posts the incident's interactive card into it,
// and the incident records the war room.
const assert = require('node:assert/strict');
const { signIn } = require('./helpers');

const TITLE = 'INC e2e war room';

module.exports = async ({ page, shot, appUrl, backendUrl, emulatorUrl }) => {
  await signIn(page, appUrl);
  // The catalog reads examples/ in the background after the backend starts:
  // wait until it has the template before opening the Create page.
  const session = await page.request.get(
    `${backendUrl}/api/auth/guest/refresh`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  const auth = {
    authorization: `Bearer ${(await session.json()).backstageIdentity.token}`,
  };
  for (let i = 0; ; i++) {
    const res = await page.request.get(
      `${backendUrl}/api/catalog/entities/by-name/template/default/incident-war-room`,
      { headers: auth },
    );
    if (res.ok()) break;
    assert.ok(
      i < 120,
      'the catalog has the sample template within two minutes',
    );
    await page.waitForTimeout(1000);
  }
  // The incident the war room is for, opened through the on-call API.
  const opened = await page.request.post(`${backendUrl}/api/oncall/incidents`, {
    headers: auth,
    data: {
      title: 'Payments gateway timeouts',
      severity: 'critical',
      serviceRef: 'component:default/payments-gateway',
    },
  });
  assert.equal(opened.status(), 201, await opened.text());
  const incident = await opened.json();

  await page.goto(`${appUrl}/create`);
  const template = page
    .locator('article, .MuiCard-root', { hasText: 'Open a DingTalk war room' })
    .first();
  await template.waitFor({ timeout: 60_000 });
  await template.getByRole('button', { name: /choose/i }).click();

  await page.getByLabel('War room name').fill(TITLE);
  await page.getByLabel('Incident id').fill(incident.id);
  await shot('template-form');
  await page.getByRole('button', { name: /^(review|next)$/i }).click();
  await page.getByRole('button', { name: /^create$/i }).click();
  await page
    .getByText('Open the war room in DingTalk')
    .waitFor({ timeout: 60_000 });
  await shot('template-done');

  const state = await (
    await page.request.get(`${emulatorUrl}/_emulator/api/state`)
  ).json();
  const rooms = state.groups.filter(g => g.title === TITLE);
  assert.equal(rooms.length, 1, 'exactly one scene group');
  const [room] = rooms;
  assert.equal(room.templateId, 'demo-template-0001');
  assert.equal(room.ownerUserId, 'alice');
  assert.deepEqual([...room.members].sort(), ['alice', 'bob']);

  const cards = await (
    await page.request.post(`${emulatorUrl}/_emulator/api/cards`, {
      data: { openConversationId: room.openConversationId },
    })
  ).json();
  assert.equal(cards.length, 1, 'one card in the war room');
  assert.equal(
    cards[0].groupRobotCode,
    'demo-group-bot-0001',
    'posted by the template group bot',
  );
  assert.match(cards[0].cardParamMap.title, /Payments gateway timeouts/);
  assert.match(cards[0].cardParamMap.actions, /acknowledge/);

  const detail = await (
    await page.request.get(
      `${backendUrl}/api/oncall/incidents/${incident.id}`,
      { headers: auth },
    )
  ).json();
  assert.ok(
    JSON.stringify(detail.timeline).includes(room.openConversationId),
    'the incident timeline has the war room',
  );
};
