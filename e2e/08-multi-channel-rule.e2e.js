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

// A rule whose step pages a DingTalk group AND a target of a channel this
// Backstage does not install (the demo backend has only `dingtalk`) keeps
// both when someone edits it in the on-call page and saves: the editor used
// to hard-code `channel: 'dingtalk'` and silently drop every other target.
// The rule is set up through the API (not the point here); the edit, the
// save and the reload are done in the browser only.
const assert = require('node:assert/strict');
const { signIn } = require('./helpers');
const secrets = require('./secrets');

// 02, 04 and 05 are done with payments-gateway by now (its rule from 05 is
// put back at the end); 03, 06 and 07 use checkout-api.
const SERVICE = 'component:default/payments-gateway';
const RULE_NAME = 'Payments (e2e 08, two channels)';
const DINGTALK_TARGET = {
  type: 'channel',
  channel: 'dingtalk',
  id: 'cid-payments-team',
  title: 'Payments Team',
  integrationId: 'demo',
};
// A channel no module of the demo backend provides: the backend keeps any
// channel id in a rule, the editor shows it as a chip "kept as it is".
const OTHER_TARGET = {
  type: 'channel',
  channel: 'pagerduty',
  id: 'PXPAY01',
  title: 'Payments escalation policy',
};
const CAROL = 'user:default/carol';

module.exports = async ({ page, shot, appUrl, backendUrl }) => {
  await signIn(page, appUrl);
  const session = await page.request.get(
    `${backendUrl}/api/auth/guest/refresh`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  const token = (await session.json()).backstageIdentity.token;
  secrets.remember('08: Backstage session token', token);
  const headers = { authorization: `Bearer ${token}` };
  const ruleUrl = `${backendUrl}/api/oncall/services/${encodeURIComponent(
    SERVICE,
  )}/rule`;
  const getRule = async () => {
    const res = await page.request.get(ruleUrl, { headers });
    return res.status() === 404 ? undefined : { res, rule: await res.json() };
  };

  // On a fresh stack (`npm run e2e -- 08`) the catalog may still be reading
  // the examples and syncing the demo organisation.
  for (const entity of [
    'component/default/payments-gateway',
    'user/default/carol',
  ]) {
    for (let i = 0; ; i += 1) {
      const res = await page.request.get(
        `${backendUrl}/api/catalog/entities/by-name/${entity}`,
        { headers },
      );
      if (res.ok()) break;
      assert.ok(i < 120, `the catalog has ${entity} within two minutes`);
      await page.waitForTimeout(1000);
    }
  }

  const before = await getRule();
  const put = await page.request.put(ruleUrl, {
    headers,
    data: {
      name: RULE_NAME,
      steps: [{ delayMinutes: 0, targets: [DINGTALK_TARGET, OTHER_TARGET] }],
      repeat: 0,
    },
  });
  assert.equal(put.status(), 200, await put.text());

  // Open the rule from the on-call page's service chooser.
  await page.getByRole('link', { name: 'On-call', exact: true }).click();
  await page.locator('#rule-service').click();
  await page.getByRole('option', { name: /payments-gateway/ }).click();
  await page.getByText(`Escalation rule for ${SERVICE}`).waitFor();
  const stepOne = page.getByTestId('step-1');
  const dingtalkChip = stepOne
    .getByTestId('dingtalk-group-chat-picker')
    .locator('.MuiChip-root', { hasText: DINGTALK_TARGET.title });
  const keptChip = stepOne.getByTestId('step-1-kept').locator('.MuiChip-root', {
    hasText: `${OTHER_TARGET.channel}: ${OTHER_TARGET.title}`,
  });
  await dingtalkChip.waitFor();
  await keptChip.waitFor();
  await shot('1-rule-opened');

  // The edit: a longer delay, and carol from the catalog's autocomplete.
  await stepOne.getByLabel('Delay (minutes) for step 1').fill('2');
  await stepOne.getByLabel('People for step 1').fill('carol');
  await page.getByRole('option', { name: /Carol Zhang/ }).click();
  const carolChip = stepOne.locator('.MuiChip-root', {
    hasText: 'Carol Zhang',
  });
  await carolChip.waitFor();
  await shot('2-edited');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.getByText('Escalation rule saved').waitFor();
  await shot('3-saved');

  // What the backend now holds: the edit, and both channels' targets as
  // they were.
  const after = await getRule();
  assert.ok(after, 'the rule is still there');
  assert.equal(after.res.status(), 200);
  const { rule } = after;
  assert.equal(rule.name, RULE_NAME);
  assert.equal(rule.steps.length, 1);
  assert.equal(rule.steps[0].delayMinutes, 2);
  const targets = rule.steps[0].targets;
  assert.deepEqual(
    targets.filter(t => t.type === 'channel' && t.channel === 'dingtalk'),
    [DINGTALK_TARGET],
    'the DingTalk group is kept',
  );
  assert.deepEqual(
    targets.filter(t => t.type === 'channel' && t.channel !== 'dingtalk'),
    [OTHER_TARGET],
    'the other channel target is kept',
  );
  assert.deepEqual(
    targets.filter(t => t.type !== 'channel'),
    [{ type: 'user', ref: CAROL }],
    'carol was added',
  );

  // And the page, reloaded, shows both channels' targets and the edit.
  await page.reload();
  await page.getByText(`Escalation rule for ${SERVICE}`).waitFor();
  await dingtalkChip.waitFor();
  await keptChip.waitFor();
  await carolChip.waitFor();
  assert.equal(
    await stepOne.getByLabel('Delay (minutes) for step 1').inputValue(),
    '2',
  );
  await shot('4-reloaded');

  // Put back what 05 left, so a later spec finds payments-gateway as it was.
  if (before) {
    const { name, steps, repeat, repeatDelayMinutes } = before.rule;
    const restored = await page.request.put(ruleUrl, {
      headers,
      data: { name, steps, repeat, repeatDelayMinutes },
    });
    assert.equal(restored.status(), 200, await restored.text());
  } else {
    const deleted = await page.request.delete(ruleUrl, { headers });
    assert.equal(deleted.status(), 204, await deleted.text());
  }
};
