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
import { DingtalkClient, dingtalkApiRef } from '../../api/DingtalkApi';
import { UsageView } from './UsageView';
import { usageSeries } from './usageSeries';

// jsdom has no layout: give elements the size a browser window would, and
// the ResizeObserver recharts asks for.
const layout = Element.prototype.getBoundingClientRect;
beforeEach(() => {
  (globalThis as any).ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
  Element.prototype.getBoundingClientRect = () =>
    ({
      width: 720,
      height: 280,
      top: 0,
      left: 0,
      right: 720,
      bottom: 280,
      x: 0,
      y: 0,
      toJSON: () => ({}),
    } as DOMRect);
});
afterEach(() => {
  Element.prototype.getBoundingClientRect = layout;
});

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BASE = 'http://localhost:7007/api/dingtalk';
const client = new DingtalkClient({
  discoveryApi: { getBaseUrl: async () => BASE },
  fetchApi: { fetch: (...a) => fetch(...a) },
});

const usage = {
  integrationId: 'demo',
  month: '2026-11',
  calls: 9000,
  quota: 10000,
  qpsLimit: 20,
  forecast: 11000,
  percentUsed: 90,
  byApi: { 'robot.groupMessages.send': 6000, 'card.instances.update': 3000 },
  exemptByApi: { 'oauth2.accessToken': 40 },
  daily: [
    { date: '2026-11-01', calls: 3000 },
    { date: '2026-11-02', calls: 2500 },
    { date: '2026-11-04', calls: 3500 },
  ],
};

describe('UsageView', () => {
  it('charts daily calls and the running total against the quota line and the forecast, and calls by API', async () => {
    server.use(
      http.get(`${BASE}/integrations/demo/usage`, () =>
        HttpResponse.json(usage),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[dingtalkApiRef, client]]}>
        <UsageView integrationId="demo" />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('9,000 of 10,000 calls this month (90%)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/QPS limit: 20 · Forecast for 2026-11: 11,000 calls/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/the quota runs out before the end of the month/),
    ).toBeInTheDocument();

    const quota = screen.getByRole('img', {
      name: 'Calls this month against the quota',
    });
    // The quota is a labelled line, not a bar among the days.
    expect(quota.querySelector('.recharts-reference-line')).not.toBeNull();
    expect(quota).toHaveTextContent('Monthly quota 10,000');
    // A bar for each day with calls so far (the 3rd had none), none for
    // the days still to come.
    expect(quota.querySelectorAll('.recharts-bar-rectangle path').length).toBe(
      3,
    );
    for (const series of ['Calls per day', 'Calls this month', 'Forecast']) {
      expect(quota).toHaveTextContent(series);
    }
    // Over quota: the forecast is drawn in red.
    expect(
      quota.querySelector('.recharts-line path[stroke-dasharray="6 4"]'),
    ).toHaveAttribute('stroke', '#f5222d');

    const byApi = screen.getByRole('img', { name: 'Calls by API' });
    for (const name of [
      'robot.groupMessages.send',
      'card.instances.update',
      'oauth2.accessToken',
      'Counted against the quota',
      'Not metered',
    ]) {
      expect(byApi).toHaveTextContent(name);
    }
  });
});

describe('usageSeries', () => {
  it('runs the total through the days with data and the forecast from there to the month end', () => {
    const series = usageSeries(usage);
    expect(series).toHaveLength(30);
    expect(series[0]).toEqual({ day: 1, calls: 3000, total: 3000 });
    // A day without calls counts as zero, not as missing.
    expect(series[2]).toEqual({ day: 3, calls: 0, total: 5500 });
    // The forecast joins the total on the last day with data...
    expect(series[3]).toEqual({
      day: 4,
      calls: 3500,
      total: 9000,
      forecast: 9000,
    });
    // ...and ends at the forecast; days to come have no calls yet.
    expect(series[29]).toEqual({ day: 30, forecast: 11000 });
  });

  it('starts the forecast at zero in a month without calls', () => {
    const series = usageSeries({ ...usage, daily: [], calls: 0, forecast: 0 });
    expect(series[0]).toEqual({ day: 1, forecast: 0 });
    expect(series.every(d => d.calls === undefined)).toBe(true);
  });
});
