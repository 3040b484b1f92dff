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

import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  DingtalkClient,
  dingtalkApiRef,
} from '@dingtalk-oncall/backstage-plugin-dingtalk';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { OncallClient, oncallApiRef } from '../api/OncallApi';
import { IncidentList } from './IncidentList';
import { IncidentDetail } from './IncidentDetail';
import { RuleEditor } from './RuleEditor';

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
  [dingtalkApiRef, new DingtalkClient({ discoveryApi, fetchApi })],
] as const;
const ONCALL = 'http://localhost:7007/api/oncall';
const DINGTALK = 'http://localhost:7007/api/dingtalk';

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
      http.post(`${ONCALL}/dingtalk/incidents/inc-1/war-room`, () =>
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
    );
    expect(
      await screen.findByText('dingtalk → SRE On-call: sent'),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Create war room' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'set the group Template ID and the group Bot ID',
    );
  });
});

describe('RuleEditor', () => {
  it('saves steps with people and a DingTalk group picked in the picker', async () => {
    let saved: any;
    server.use(
      http.get(`${ONCALL}/services/:ref/rule`, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'No escalation rule' } },
          { status: 404 },
        ),
      ),
      http.put(`${ONCALL}/services/:ref/rule`, async ({ request }) => {
        saved = await request.json();
        return HttpResponse.json({ ...saved, id: 'r1' });
      }),
      http.get(`${DINGTALK}/integrations`, () =>
        HttpResponse.json([{ id: 'demo', name: 'Demo' }]),
      ),
      http.get(`${DINGTALK}/integrations/demo/groups`, () =>
        HttpResponse.json({
          items: [
            {
              integrationId: 'demo',
              openConversationId: 'cid-sre',
              title: 'SRE On-call',
              installed: true,
              updatedAt: '',
            },
          ],
          total: 1,
        }),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <RuleEditor serviceRef="component:default/checkout-api" />
      </TestApiProvider>,
    );
    fireEvent.click(await screen.findByText('SRE On-call'));
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    fireEvent.change(screen.getByLabelText('People for step 2'), {
      target: { value: 'alice' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(
      await screen.findByText('Escalation rule saved'),
    ).toBeInTheDocument();
    expect(saved.steps).toEqual([
      {
        delayMinutes: 0,
        targets: [
          {
            type: 'channel',
            channel: 'dingtalk',
            id: 'cid-sre',
            title: 'SRE On-call',
            integrationId: 'demo',
          },
        ],
      },
      {
        delayMinutes: 5,
        targets: [{ type: 'user', ref: 'user:default/alice' }],
      },
    ]);
  });

  it('says what is wrong before saving', async () => {
    server.use(
      http.get(`${ONCALL}/services/:ref/rule`, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'none' } },
          { status: 404 },
        ),
      ),
      http.get(`${DINGTALK}/integrations`, () => HttpResponse.json([])),
    );
    await renderInTestApp(
      <TestApiProvider apis={apis as any}>
        <RuleEditor serviceRef="component:default/checkout-api" />
      </TestApiProvider>,
    );
    fireEvent.change(screen.getByLabelText('Delay (minutes) for step 1'), {
      target: { value: '-3' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('steps.0'),
    );
  });
});
