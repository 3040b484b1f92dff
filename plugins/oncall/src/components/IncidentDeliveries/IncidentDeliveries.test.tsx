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

import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { OncallClient, oncallApiRef } from '../../api/OncallApi';
import { IncidentDeliveries } from '.';

jest.setTimeout(60_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ONCALL = 'http://localhost:7007/api/oncall';
const discoveryApi = {
  getBaseUrl: async (id: string) => `http://localhost:7007/api/${id}`,
};
const fetchApi = { fetch: (...a: Parameters<typeof fetch>) => fetch(...a) };
const apis = [
  [oncallApiRef, new OncallClient({ discoveryApi, fetchApi })],
] as const;

const incident = {
  id: 'inc/1',
  title: 'Checkout down',
  severity: 'critical',
  status: 'triggered',
  serviceRef: 'component:default/checkout-api',
  labels: {},
  alertCount: 1,
  responders: [],
  createdAt: '2026-11-24T03:00:00Z',
  updatedAt: '2026-11-24T03:00:00Z',
  timeline: [],
} as any;

describe('IncidentDeliveries', () => {
  it('links to the records each channel gives for the incident, web links only', async () => {
    server.use(
      http.get(`${ONCALL}/incidents/inc%2F1/deliveries`, () =>
        HttpResponse.json({
          items: [
            {
              channel: 'dingtalk',
              channelTitle: 'DingTalk',
              title: 'Operation records (Demo corp)',
              url: 'http://localhost:3000/dingtalk?integration=demo&tab=records&reference=inc%2F1',
            },
            {
              channel: 'mail',
              channelTitle: 'Mail',
              title: 'Sent mail',
              url: '/mail/sent?incident=inc%2F1',
            },
            {
              channel: 'evil',
              channelTitle: 'Evil',
              title: 'Click me',
              // eslint-disable-next-line no-script-url -- the link under test must be dropped
              url: 'javascript:alert(1)',
            },
          ],
        }),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <IncidentDeliveries incident={incident} />
      </TestApiProvider>,
    );
    const dingtalk = await screen.findByRole('link', {
      name: /^Operation records \(Demo corp\)/,
    });
    expect(dingtalk).toHaveAttribute(
      'href',
      'http://localhost:3000/dingtalk?integration=demo&tab=records&reference=inc%2F1',
    );
    expect(screen.getByText(/Deliveries in DingTalk/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sent mail' })).toHaveAttribute(
      'href',
      '/mail/sent?incident=inc%2F1',
    );
    expect(screen.queryByText('Click me')).not.toBeInTheDocument();
  });
});
