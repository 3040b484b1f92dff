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

import { screen, waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { DingtalkClient, dingtalkApiRef } from '../../api/DingtalkApi';
import { DingtalkPage } from './DingtalkPage';

jest.setTimeout(60_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BASE = 'http://localhost:7007/api/dingtalk';
const client = new DingtalkClient({
  discoveryApi: { getBaseUrl: async () => BASE },
  fetchApi: { fetch: (...a) => fetch(...a) },
});
const integration = (id: string, name: string) => ({
  id,
  name,
  corpId: `corp-${id}`,
  appKey: `key-${id}`,
  edition: 'standard',
  source: 'database',
});

describe('DingtalkPage', () => {
  it('opens the records of the integration and incident a link names', async () => {
    const asked: Array<Record<string, string>> = [];
    server.use(
      http.get(`${BASE}/integrations`, () =>
        HttpResponse.json([
          integration('demo', 'Demo corp'),
          integration('other', 'Other corp'),
        ]),
      ),
      http.get(`${BASE}/links/me`, () => HttpResponse.json([])),
      http.get(`${BASE}/records`, ({ request }) => {
        const q = Object.fromEntries(new URL(request.url).searchParams);
        asked.push(q);
        return HttpResponse.json({
          items: [
            {
              id: '1',
              integrationId: q.integrationId,
              recipientType: 'group',
              recipient: 'cid-sre',
              outcome: 'sent',
              createdAt: '2026-11-24T03:00:00Z',
              reference: q.reference,
            },
          ],
          total: 1,
        });
      }),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[dingtalkApiRef, client]]}>
        <DingtalkPage />
      </TestApiProvider>,
      { routeEntries: ['/?integration=other&tab=records&reference=inc-42'] },
    );
    expect(await screen.findByText('cid-sre')).toBeInTheDocument();
    expect(screen.getByLabelText('Incident')).toHaveValue('inc-42');
    expect(screen.getByRole('heading', { name: 'Other corp' })).toBeTruthy();
    await waitFor(() =>
      expect(asked).toContainEqual(
        expect.objectContaining({
          integrationId: 'other',
          reference: 'inc-42',
        }),
      ),
    );
    // Never asked for records unfiltered or of another integration.
    expect(
      asked.every(q => q.integrationId === 'other' && q.reference === 'inc-42'),
    ).toBe(true);
  });
});
