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
import type { DingtalkIntegration } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { DingtalkClient, dingtalkApiRef } from '../../api/DingtalkApi';
import { IntegrationForm } from './IntegrationForm';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BASE = 'http://localhost:7007/api/dingtalk';
const client = new DingtalkClient({
  discoveryApi: { getBaseUrl: async () => BASE },
  fetchApi: { fetch: (...a) => fetch(...a) },
});

const EXISTING: DingtalkIntegration = {
  id: 'acme',
  name: 'Acme',
  corpId: 'dingcorp',
  agentId: '1',
  clientId: 'dingclient',
  edition: 'standard',
  transport: 'http',
  warRoom: {},
  limits: { monthlyQuota: 20_000 },
  secrets: { clientSecret: true, aesKey: true, token: true },
  source: 'database',
  urls: {
    eventSubscriptionUrl: 'https://bs/e',
    coolAppWebUrl: 'https://bs/c',
    homepageUrl: 'https://bs/h',
    pcHomepageUrl: 'https://bs/p',
    robotMessageUrl: 'https://bs/r',
  } as DingtalkIntegration['urls'],
  createdAt: '',
  updatedAt: '',
};

describe('the limits override fields', () => {
  it("show the override, refuse what is not a whole number, and save the integration's own QPS and quota", async () => {
    let put: any;
    server.use(
      http.put(`${BASE}/integrations/acme`, async ({ request }) => {
        put = await request.json();
        return HttpResponse.json({ ...EXISTING, limits: put.limits });
      }),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[dingtalkApiRef, client]]}>
        <IntegrationForm integration={EXISTING} />
      </TestApiProvider>,
    );
    const quota = screen.getByLabelText(
      'Monthly API quota (override)',
    ) as HTMLInputElement;
    expect(quota.value).toBe('20000');
    const qps = screen.getByLabelText('QPS per API (override)');
    // the edition's value is the hint when empty
    expect(screen.getByText(/Empty: the edition's 20\./)).toBeInTheDocument();
    fireEvent.change(qps, { target: { value: 'fast' } });
    expect(
      await screen.findByText('limits.qps must be a number'),
    ).toBeInTheDocument();
    fireEvent.change(qps, { target: { value: '35' } });
    fireEvent.change(quota, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved')).toBeInTheDocument();
    // the quota left empty goes back to the edition's
    expect(put.limits).toEqual({ qps: 35 });
  });
});
