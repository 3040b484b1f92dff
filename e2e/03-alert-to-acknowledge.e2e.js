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

// The whole product in a browser: create an integration through the form,
// install the Cool App in a group in the DingTalk simulator, pick that group
// in an escalation rule, fire an alert, acknowledge from the card in the
// simulator, and see the incident acknowledged in Backstage.
const assert = require('node:assert/strict');
const { signIn } = require('./helpers');
const secrets = require('./secrets');

const APP = {
  corpId: 'dingdemo0000000000',
  appKey: 'dinge2eappkey0000001',
  appSecret: 'e2e-app-secret-000000000000000000000000000000',
  agentId: '3000000099',
  aesKey: 'ZTJlLWFlcy1rZXktZm9yLXRoZS1icm93c2VyLXRlc3Q',
  token: 'e2e-signature-token',
};

async function control(page, emulatorUrl, method, body) {
  const res = await page.request.post(
    `${emulatorUrl}/_emulator/api/${method}`,
    { data: body },
  );
  assert.ok(res.ok(), `${method}: ${res.status()} ${await res.text()}`);
  return res.json();
}

module.exports = async ({ page, shot, appUrl, backendUrl, emulatorUrl }) => {
  secrets.remember('03: E2E app Client Secret', APP.appSecret);
  secrets.remember('03: E2E app aes_key', APP.aesKey);
  secrets.remember('03: E2E app Signature Token', APP.token);
  // A second DingTalk app in the simulator's demo organisation.
  await control(page, emulatorUrl, 'createApp', {
    ...APP,
    edition: 'standard',
    eventUrl: `${backendUrl}/api/dingtalk/integrations/e2e-corp/events`,
  });

  await signIn(page, appUrl);
  await page.getByRole('link', { name: 'DingTalk', exact: true }).click();
  await page.getByRole('button', { name: 'Add integration' }).click();
  const fill = (label, value) =>
    page.getByLabel(label, { exact: true }).fill(value);
  await fill('Name', 'E2E corp');
  await fill('CorpId', APP.corpId);
  await fill('AgentId', APP.agentId);
  await fill('Client ID', APP.appKey);
  await fill('Client Secret', APP.appSecret);
  await fill('aes_key', APP.aesKey.slice(0, 42));
  await page.getByText('aes_key must be exactly 43 characters').waitFor();
  await fill('aes_key', APP.aesKey);
  await fill('Signature Token', APP.token);
  await shot('integration-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved', { exact: true }).waitFor();
  // The new integration's own page (with its tabs) takes over, still saying it was saved.
  await page.getByRole('tab', { name: 'Group chats' }).waitFor();
  await page.getByText('Saved', { exact: true }).waitFor();
  assert.ok(
    !(await page.content()).includes(APP.appSecret),
    'the secret is not in the page after saving',
  );
  await page.getByRole('button', { name: 'Test credentials' }).click();
  await page.getByText(/DingTalk issued an access token/).waitFor();
  await page.getByText('Event Subscription Request URL').first().waitFor();
  await shot('integration-saved');

  // Install the Cool App in "SRE On-call" in the simulator: DingTalk pushes the event.
  const result = await control(page, emulatorUrl, 'installCoolApp', {
    appKey: APP.appKey,
    openConversationId: 'cid-sre-oncall',
  });
  assert.equal(
    result.delivered,
    true,
    'the install event was accepted by the backend',
  );

  // Backstage API calls as the signed-in person (the guest session token).
  const session = await page.request.get(
    `${backendUrl}/api/auth/guest/refresh`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  const token = (await session.json()).backstageIdentity.token;
  secrets.remember('03: Backstage session token', token);
  const auth = { authorization: `Bearer ${token}` };
  const linked = await page.request.post(
    `${backendUrl}/api/dingtalk/integrations/e2e-corp/links/link-all-by-mobile`,
    { headers: auth },
  );
  assert.ok(linked.ok(), await linked.text());

  // The escalation rule of checkout-api: step 1 is the DingTalk group, picked in the picker.
  await page.getByRole('link', { name: 'On-call', exact: true }).click();
  // The page opens on a chooser of the catalog's components.
  await page.locator('#rule-service').click();
  await page.getByRole('option', { name: /checkout-api/ }).click();
  await page
    .getByText('Escalation rule for component:default/checkout-api')
    .waitFor();
  const picker = page.getByTestId('step-1');
  // Two integrations now (the demo one from app-config and E2E corp): the
  // picker shows its integration select once it has loaded them.
  const integration = picker.getByLabel('Integration');
  await integration.waitFor();
  await integration.click();
  await page.getByRole('option', { name: 'E2E corp' }).click();
  await picker.getByLabel('Search group chats').fill('sre');
  await picker.getByText('SRE On-call').click();
  await picker.locator('.MuiChip-root', { hasText: 'SRE On-call' }).waitFor();
  await shot('rule-editor');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.getByText('Escalation rule saved').waitFor();

  // Fire an alert at the service's webhook.
  const hook = await page.request.post(
    `${backendUrl}/api/oncall/services/${encodeURIComponent(
      'component:default/checkout-api',
    )}/webhooks`,
    {
      headers: auth,
      data: { name: 'e2e' },
    },
  );
  assert.ok(hook.ok(), await hook.text());
  const { token: hookToken } = await hook.json();
  secrets.remember('03: webhook token', hookToken);
  const fired = await page.request.post(
    `${backendUrl}/api/oncall/alerts/${hookToken}`,
    {
      data: {
        title: 'Checkout error rate above 5% (e2e)',
        severity: 'critical',
        alertKey: 'e2e-1',
        description: 'from the e2e run',
      },
    },
  );
  assert.equal(fired.status(), 202, await fired.text());
  const incidentId = (await fired.json()).results[0].incidentId;

  // The card arrives in the simulator; alice acknowledges it there.
  const simulator = await page.context().newPage();
  simulator.on('dialog', d => d.accept());
  await simulator.goto(`${emulatorUrl}/`);
  await simulator.locator('#actor').selectOption('alice');
  await simulator
    .getByRole('link', { name: 'SRE On-call', exact: true })
    .click();
  const card = simulator.locator('.card', {
    hasText: 'Checkout error rate above 5% (e2e)',
  });
  await card.waitFor({ timeout: 30_000 });
  await simulator.screenshot({
    path: require('node:path').join(
      process.cwd(),
      'artifacts/e2e/03-alert-to-acknowledge-simulator-card.png',
    ),
  });
  await card.getByRole('button', { name: 'Acknowledge' }).click();
  await card.getByText('Status: acknowledged').waitFor({ timeout: 30_000 });
  await simulator.screenshot({
    path: require('node:path').join(
      process.cwd(),
      'artifacts/e2e/03-alert-to-acknowledge-simulator-acknowledged.png',
    ),
  });

  // Backstage shows it acknowledged by alice, with the DingTalk deliveries in the timeline.
  await page.goto(
    `${appUrl}/oncall/incidents/${encodeURIComponent(incidentId)}`,
  );
  await page
    .getByTestId('incident-status')
    .getByText(/acknowledged by user:default\/alice/)
    .waitFor({ timeout: 30_000 });
  await shot('incident-acknowledged');
};
