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

import { fireEvent, screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { OncallClient, oncallApiRef } from '../api/OncallApi';
import { IncidentList } from './IncidentList';
import { IncidentDetail } from './IncidentDetail';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const discoveryApi = {
  getBaseUrl: async (id: string) => `http://localhost:7007/api/${id}`,
};
const fetchApi = { fetch: (...a: Parameters<typeof fetch>) => fetch(...a) };
const apis = [
  [oncallApiRef, new OncallClient({ discoveryApi, fetchApi })],
  [discoveryApiRef, discoveryApi],
  [fetchApiRef, fetchApi],
] as const;
const ONCALL = 'http://localhost:7007/api/oncall';

const incident = (over: object = {}) => ({
  id: 'inc-1',
  title: 'Checkout error rate above 5%',
  severity: 'critical',
  status: 'triggered',
  serviceRef: 'component:default/checkout-api',
  labels: {},
  alertCount: 1,
  responders: [],
  createdAt: '2026-11-24T03:00:00Z',
  updatedAt: '2026-11-24T03:00:00Z',
  ...over,
});

describe('IncidentList', () => {
  it('filters on the server and acknowledges in place', async () => {
    const queries: string[] = [];
    let acked = false;
    server.use(
      http.get(`${ONCALL}/incidents`, ({ request }) => {
        queries.push(new URL(request.url).search);
        return HttpResponse.json({
          items: [
            incident({
              status: acked ? 'acknowledged' : 'triggered',
              acknowledgedBy: acked ? 'user:default/alice' : undefined,
            }),
          ],
          totalCount: 1,
        });
      }),
      http.post(`${ONCALL}/incidents/inc-1/acknowledge`, () => {
        acked = true;
        return HttpResponse.json(incident({ status: 'acknowledged' }));
      }),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <IncidentList />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByText('Checkout error rate above 5%'),
    ).toBeInTheDocument();
    expect(queries[0]).toContain('status=triggered%2Cacknowledged');
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    expect(
      await screen.findByText('acknowledged by user:default/alice'),
    ).toBeInTheDocument();
  });
});

describe('IncidentDetail', () => {
  it('shows the timeline with DingTalk deliveries and explains a refused war room', async () => {
    server.use(
      http.get(`${ONCALL}/incidents/inc-1`, () =>
        HttpResponse.json(
          incident({
            timeline: [
              {
                id: 't1',
                incidentId: 'inc-1',
                type: 'notification',
                message: 'dingtalk → SRE On-call: sent',
                createdAt: '2026-11-24T03:00:01Z',
              },
            ],
          }),
        ),
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
      http.get(`${ONCALL}/incidents/inc-1/escalation`, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'none' } },
          { status: 404 },
        ),
      ),
      http.get(`${ONCALL}/incidents/inc-1/deliveries`, () =>
        HttpResponse.json({
          items: [
            {
              channel: 'dingtalk',
              channelTitle: 'DingTalk',
              title: 'Operation records (Demo)',
              url: '/dingtalk?integration=demo&tab=records&reference=inc-1',
            },
          ],
        }),
      ),
      http.post(`${ONCALL}/incidents/inc-1/war-room`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'InputError',
              message:
                'War rooms are not configured: set the group Template ID and the group Bot ID',
            },
          },
          { status: 400 },
        ),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <IncidentDetail id="inc-1" />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByText('dingtalk → SRE On-call: sent'),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: 'Operation records (Demo)' }),
    ).toHaveAttribute(
      'href',
      '/dingtalk?integration=demo&tab=records&reference=inc-1',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Create war room' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'set the group Template ID and the group Bot ID',
    );
  });
});
