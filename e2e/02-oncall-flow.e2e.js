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

// The on-call page lists an incident that an Alertmanager alert opened through
// the service's webhook, filters by severity, opens its detail, and the
// Acknowledge button there changes its status; a resolved alert resolves it.
const assert = require('node:assert/strict');
const { signIn } = require('./helpers');
const secrets = require('./secrets');

const SERVICE = 'component:default/payments-gateway';

const alert = status => ({
  version: '4',
  groupKey: '{}:{alertname="GatewayLatency"}',
  status,
  receiver: 'oncall',
  alerts: [
    {
      status,
      labels: {
        alertname: 'GatewayLatency',
        severity: 'warning',
        service: 'payments-gateway',
      },
      annotations: {
        summary: 'Gateway p99 above 2 s (e2e)',
        description: 'provider timeouts',
      },
      startsAt: new Date().toISOString(),
      fingerprint: 'e2e-gateway-latency',
    },
  ],
});

module.exports = async ({ page, shot, appUrl, backendUrl }) => {
  await signIn(page, appUrl);
  const session = await page.request.get(
    `${backendUrl}/api/auth/guest/refresh`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  const sessionToken = (await session.json()).backstageIdentity.token;
  secrets.remember('02: Backstage session token', sessionToken);
  const auth = { authorization: `Bearer ${sessionToken}` };
  const hook = await page.request.post(
    `${backendUrl}/api/oncall/services/${encodeURIComponent(SERVICE)}/webhooks`,
    {
      headers: auth,
      data: { name: 'alertmanager-e2e' },
    },
  );
  assert.equal(hook.status(), 201, await hook.text());
  const { token } = await hook.json();
  secrets.remember('02: webhook token', token);
  // Alertmanager sends the token as a header (http_config.authorization)...
  const fired = await page.request.post(`${backendUrl}/api/oncall/alerts`, {
    headers: { authorization: `Bearer ${token}` },
    data: alert('firing'),
  });
  assert.equal(fired.status(), 202, await fired.text());

  await page.getByRole('link', { name: 'On-call', exact: true }).click();
  const list = page.getByTestId('incident-list');
  const row = list.getByRole('row', { name: /Gateway p99 above 2 s \(e2e\)/ });
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), /warning/);
  assert.match(await row.innerText(), /triggered/);

  // Filtering on severity is done by the backend: critical hides the warning.
  await page.locator('#filter-severity').click();
  await page.getByRole('option', { name: 'Critical' }).click();
  await row.waitFor({ state: 'detached' });
  await page.locator('#filter-severity').click();
  await page.getByRole('option', { name: 'Warning' }).click();
  await row.waitFor();
  await shot('incident-list');

  await row.getByRole('link', { name: /Gateway p99 above 2 s/ }).click();
  const detail = page.getByTestId('incident-detail');
  await detail.getByText('provider timeouts').waitFor();
  await detail.getByRole('button', { name: 'Acknowledge' }).click();
  await page
    .getByTestId('incident-status')
    .getByText(/acknowledged by user:default\/alice/)
    .waitFor();

  // Alertmanager says it is over: the incident resolves, and the page shows it.
  // (...and tools that cannot set headers put it in the path, which the
  // backend's log must not show.)
  const resolved = await page.request.post(
    `${backendUrl}/api/oncall/alerts/${token}`,
    { data: alert('resolved') },
  );
  assert.equal(resolved.status(), 202, await resolved.text());
  await page.reload();
  await page
    .getByTestId('incident-status')
    .getByText(/resolved/)
    .waitFor();
  await page
    .getByTestId('timeline')
    .getByText(/Acknowledged by user:default\/alice/)
    .waitFor();
  await shot('incident-resolved');
};
