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
import { OncallClient, oncallApiRef } from '../../api/OncallApi';
import { IncidentProgress, IncidentWarRoom } from '.';

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
  id: 'inc-1',
  title: 'Checkout down',
  severity: 'critical',
  status: 'triggered',
  serviceRef: 'component:default/checkout-api',
  labels: {},
  alertCount: 1,
  responders: ['user:default/alice'],
  createdAt: '2026-11-24T03:00:00Z',
  updatedAt: '2026-11-24T03:00:00Z',
  timeline: [],
} as any;

describe('the incident page additions', () => {
  it('shows responders and where the escalation is', async () => {
    server.use(
      http.get(`${ONCALL}/incidents/inc-1/escalation`, () =>
        HttpResponse.json({
          state: 'active',
          ruleName: 'checkout',
          totalSteps: 2,
          lastStep: 1,
          round: 0,
          repeat: 0,
          nextStep: 2,
          nextStepDueAt: '2026-11-24T03:05:00Z',
        }),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <IncidentProgress incident={incident} />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByText(
        `checkout: step 1 of 2 ran; step 2 due ${new Date(
          '2026-11-24T03:05:00Z',
        ).toLocaleString()}`,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('alice')).toBeInTheDocument();
  });

  it('opens a war room through the host route of the channel that offers them, and links it', async () => {
    let asked: any;
    server.use(
      http.get(`${ONCALL}/channels`, () =>
        HttpResponse.json({
          items: [
            { id: 'chat', title: 'Chat', capabilities: { warRooms: false } },
            { id: 'rooms', title: 'Rooms', capabilities: { warRooms: true } },
          ],
        }),
      ),
      http.post(`${ONCALL}/incidents/inc-1/war-room`, async ({ request }) => {
        asked = await request.json();
        return HttpResponse.json(
          {
            channel: 'rooms',
            id: 'r1',
            title: 'Checkout down',
            url: 'https://rooms.example.com/r1',
          },
          { status: 201 },
        );
      }),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <IncidentWarRoom incident={incident} />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    fireEvent.click(
      await screen.findByRole('button', { name: 'Create war room' }),
    );
    expect(
      await screen.findByRole('link', { name: 'https://rooms.example.com/r1' }),
    ).toHaveAttribute('href', 'https://rooms.example.com/r1');
    expect(asked).toEqual({ channel: 'rooms' });
  });

  it('links the war room a channel recorded, and no unsafe link', async () => {
    server.use(
      http.get(`${ONCALL}/channels`, () => HttpResponse.json({ items: [] })),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <IncidentWarRoom
          incident={{
            ...incident,
            timeline: [
              {
                id: 't1',
                incidentId: 'inc-1',
                type: 'channel',
                message: 'war room',
                createdAt: '',
                data: {
                  warRoom: 'cid-1',
                  url: 'dingtalk://dingtalkclient/page/link?x=1',
                },
              },
              {
                id: 't2',
                incidentId: 'inc-1',
                type: 'channel',
                message: 'bad',
                createdAt: '',
                // eslint-disable-next-line no-script-url
                data: { warRoom: 'cid-2', url: 'javascript:alert(1)' },
              },
            ],
          }}
        />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByRole('link', {
        name: 'dingtalk://dingtalkclient/page/link?x=1',
      }),
    ).toBeInTheDocument();
    expect(screen.queryByText(/javascript/)).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /Create war room/ }),
    ).not.toBeInTheDocument();
  });
});
