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

import { fireEvent, screen, within } from '@testing-library/react';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import oncallPlugin from './alpha';

jest.setTimeout(90_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ONCALL = 'http://localhost:7007/api/oncall';
const SERVICE = 'component:default/checkout-api';
const DINGTALK_TARGET = {
  type: 'channel',
  channel: 'dingtalk',
  id: 'cid-sre',
  title: 'SRE On-call',
  integrationId: 'demo',
};

describe('the on-call plugin in an app without the DingTalk frontend', () => {
  it('renders the page, and a rule with DingTalk targets is edited without losing them', async () => {
    let saved: any;
    server.use(
      http.get(`${ONCALL}/incidents`, () =>
        HttpResponse.json({ items: [], totalCount: 0 }),
      ),
      http.get(`${ONCALL}/services`, () =>
        HttpResponse.json({
          items: [
            {
              serviceRef: SERVICE,
              rule: { name: 'checkout', steps: 1, updatedAt: '' },
              openIncidents: 2,
              webhooks: 1,
            },
          ],
        }),
      ),
      http.get(`${ONCALL}/channels`, () =>
        HttpResponse.json({
          items: [
            {
              id: 'dingtalk',
              title: 'DingTalk',
              capabilities: { warRooms: true },
            },
          ],
        }),
      ),
      http.get(`${ONCALL}/channels/dingtalk/targets`, () =>
        HttpResponse.json({
          items: [
            {
              id: 'cid-sre',
              title: 'SRE On-call',
              integrationId: 'demo',
              available: true,
            },
            {
              id: 'cid-pay',
              title: 'Payments Team',
              integrationId: 'demo',
              available: true,
            },
          ],
        }),
      ),
      http.get(`${ONCALL}/services/:ref/rule`, () =>
        HttpResponse.json({
          id: 'r1',
          serviceRef: SERVICE,
          name: 'checkout',
          repeat: 0,
          createdAt: '',
          updatedAt: '',
          steps: [
            {
              delayMinutes: 0,
              targets: [
                DINGTALK_TARGET,
                { type: 'user', ref: 'user:default/alice' },
              ],
            },
          ],
        }),
      ),
      http.put(`${ONCALL}/services/:ref/rule`, async ({ request }) => {
        saved = await request.json();
        return HttpResponse.json({ ...saved, id: 'r1' });
      }),
      http.get(`${ONCALL}/services/:ref/webhooks`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`${ONCALL}/me/notification-preferences`, () =>
        HttpResponse.json({ channels: {} }),
      ),
    );
    renderTestApp({
      features: [oncallPlugin],
      initialRouteEntries: [`/oncall?service=${encodeURIComponent(SERVICE)}`],
      config: { backend: { baseUrl: 'http://localhost:7007' } },
      // The catalog's entity page, which every app with the catalog has.
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [
        mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
        mockApis.fetch(),
        catalogApiMock({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'checkout-api', namespace: 'default' },
              spec: { type: 'service', owner: 'sre' },
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'alice', namespace: 'default' },
              spec: {},
            },
          ],
        }),
      ],
    });
    // The overview lists the service with its rule, incidents and webhooks.
    const row = await screen.findByTestId(
      `service-${SERVICE}`,
      {},
      { timeout: 30_000 },
    );
    expect(row).toHaveTextContent('checkout (1 step)');
    // No DingTalk frontend: the generic picker over the channel's targets.
    const step = await screen.findByTestId('step-1');
    const picker = await within(step).findByTestId(
      'channel-target-picker-dingtalk',
    );
    // The rule's DingTalk group is picked (chip and ticked box).
    expect(await within(picker).findByLabelText('SRE On-call')).toBeChecked();
    fireEvent.click(await within(picker).findByLabelText('Payments Team'));
    fireEvent.change(
      within(step).getByLabelText('Delay (minutes) for step 1'),
      {
        target: { value: '1' },
      },
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(
      await screen.findByText('Escalation rule saved'),
    ).toBeInTheDocument();
    expect(saved.steps).toEqual([
      {
        delayMinutes: 1,
        targets: [
          { type: 'user', ref: 'user:default/alice' },
          DINGTALK_TARGET,
          {
            type: 'channel',
            channel: 'dingtalk',
            id: 'cid-pay',
            title: 'Payments Team',
            integrationId: 'demo',
          },
        ],
      },
    ]);
  });
});
