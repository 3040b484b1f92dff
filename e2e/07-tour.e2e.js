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

// The README's five-minute tour, step by step, through the browser only: the
// simulator and Backstage are driven as a person would, with a screenshot per
// step. It runs on the stack `npm start` runs (the demo integration, the
// demo organisation synced into the catalog) and ends with the incident
// acknowledged by user:default/alice on a Backstage page that was never
// reloaded.
const assert = require('node:assert/strict');
const path = require('node:path');
const { signIn } = require('./helpers');

const SERVICE = 'component:default/checkout-api';
const TITLE = 'Checkout error rate above 5% (tour)';

module.exports = async ({ page, context, shot, appUrl, emulatorUrl }) => {
  const simulator = await context.newPage();
  const simShot = label =>
    simulator.screenshot({
      path: path.join(process.cwd(), 'artifacts/e2e', `07-tour-${label}.png`),
      fullPage: true,
    });
  let n = 0;
  const step = async (name, fn) => {
    n += 1;
    try {
      await fn();
      process.stdout.write(`  tour step ${n} (${name}): ok\n`);
    } catch (error) {
      process.stdout.write(`  tour step ${n} (${name}): FAILED\n`);
      throw error;
    }
  };

  await step('install the Cool App in SRE On-call', async () => {
    await simulator.goto(`${emulatorUrl}/`);
    await simulator.locator('#actor').selectOption('alice');
    const group = simulator.locator('li[data-group="SRE On-call"]');
    // Exact names: "Uninstall Cool App" contains "install Cool App". In the
    // full e2e run an earlier spec may have installed it already.
    const install = group.getByRole('button', {
      name: 'Install Cool App',
      exact: true,
    });
    const uninstall = group.getByRole('button', {
      name: 'Uninstall Cool App',
      exact: true,
    });
    await install.or(uninstall).first().waitFor();
    if (await install.isVisible()) await install.click();
    await uninstall.waitFor();
    await simShot('1-cool-app-installed');

    await signIn(page, appUrl);
    await page.getByRole('link', { name: 'DingTalk', exact: true }).click();
    await page.getByRole('tab', { name: 'Group chats' }).click();
    await page.getByText('SRE On-call').first().waitFor({ timeout: 30_000 });
    await shot('1-group-chats');
  });

  await step(
    'alice is linked to DingTalk by the organisation sync',
    async () => {
      await page.getByRole('tab', { name: 'Linked users' }).click();
      const alice = page.getByRole('row', { name: /user:default\/alice/ });
      await alice.waitFor({ timeout: 120_000 });
      await alice.getByText('Organisation sync').waitFor({ timeout: 60_000 });
      await shot('2-linked-users');

      // The H5 page opened inside DingTalk (the simulator) knows her without
      // a login.
      const [h5] = await Promise.all([
        context.waitForEvent('page'),
        simulator
          .getByRole('button', { name: 'Open H5 homepage as actor' })
          .first()
          .click(),
      ]);
      await h5.getByText(/alice/i).first().waitFor({ timeout: 30_000 });
      await h5.screenshot({
        path: path.join(
          process.cwd(),
          'artifacts/e2e',
          '07-tour-2-h5-page.png',
        ),
        fullPage: true,
      });
      await h5.close();
    },
  );

  await step('escalation rule: page SRE On-call', async () => {
    await page.getByRole('link', { name: 'On-call', exact: true }).click();
    await page.locator('#rule-service').click();
    await page.getByRole('option', { name: /checkout-api/ }).click();
    await page
      .getByText(`Escalation rule for ${SERVICE}`)
      .waitFor({ timeout: 30_000 });
    const stepOne = page.getByTestId('step-1');
    await stepOne.getByLabel('Search group chats').fill('sre');
    await stepOne.getByText('SRE On-call').click();
    await stepOne
      .locator('.MuiChip-root', { hasText: 'SRE On-call' })
      .waitFor();
    await shot('3-rule');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Escalation rule saved').waitFor();
  });

  await step('alert webhook: token shown once', async () => {
    const hooks = page.getByTestId('service-webhooks');
    await hooks.getByLabel('Webhook name').fill('tour');
    await hooks.getByRole('button', { name: 'Create webhook' }).click();
    const token = await hooks.getByTestId('webhook-token-value').innerText();
    assert.ok(token.length > 20, 'a token is shown');
    await shot('4-webhook');
    await hooks.getByRole('button', { name: 'Done, hide the token' }).click();
    assert.ok(
      !(await page.content()).includes(token),
      'the token is gone from the page once hidden',
    );
  });

  await step('trigger an incident and open its page', async () => {
    const form = page.getByTestId('trigger-incident');
    await form.getByLabel('Incident title').fill(TITLE);
    await form.locator('#trigger-severity').click();
    await page.getByRole('option', { name: 'critical' }).click();
    await form.getByRole('button', { name: 'Trigger incident' }).click();
    await form.getByRole('link', { name: TITLE }).click();
    await page
      .getByTestId('incident-status')
      .getByText(/critical · triggered/)
      .waitFor();
    await shot('5-incident-triggered');
  });

  // From here on the Backstage page must not reload: the marker would go.
  await page.evaluate(() => {
    window.__tourMarker = 'not reloaded';
  });

  await step('acknowledge from the card in DingTalk as alice', async () => {
    await simulator.bringToFront();
    await simulator
      .getByRole('link', { name: 'SRE On-call', exact: true })
      .click();
    const card = simulator.locator('.card', { hasText: TITLE });
    await card.waitFor({ timeout: 60_000 });
    // The markdown is rendered, not shown as **raw** text.
    assert.equal((await card.locator('strong').count()) > 1, true);
    assert.ok(!(await card.innerText()).includes('**'));
    await simShot('6-card');
    const ack = card.getByRole('button', { name: 'Acknowledge' });
    const before = await ack.elementHandle();
    // Two polls later the very same button is still there.
    await simulator.waitForTimeout(4500);
    assert.ok(
      await before.evaluate(node => node.isConnected),
      'the button survived the polls',
    );
    await ack.click();
    await simulator
      .locator('#toast')
      .getByText(/user:default\/alice/)
      .waitFor({ timeout: 30_000 });
    await card.getByText('Status: acknowledged').waitFor({ timeout: 30_000 });
    await simShot('6-acknowledged');
  });

  await step(
    'Backstage shows it acknowledged by alice, no reload',
    async () => {
      await page.bringToFront();
      await page
        .getByTestId('incident-status')
        .getByText(/acknowledged by user:default\/alice/)
        .waitFor({ timeout: 10_000 });
      assert.equal(
        await page.evaluate(() => window.__tourMarker),
        'not reloaded',
      );
      await shot('7-acknowledged');
    },
  );
};
