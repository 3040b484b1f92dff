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
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { DingtalkClient, dingtalkApiRef } from '../api/DingtalkApi';
import { RecordsView } from './RecordsView';
import { AccountLinkCard, LinkedUsers } from './LinkedUsers';
import { LinkAccountPage } from './LinkAccountPage';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BASE = 'http://localhost:7007/api/dingtalk';
const client = new DingtalkClient({
  discoveryApi: { getBaseUrl: async () => BASE },
  fetchApi: { fetch: (...a) => fetch(...a) },
});
const render = (el: JSX.Element) =>
  renderInTestApp(
    <TestApiProvider apis={[[dingtalkApiRef, client]]}>{el}</TestApiProvider>,
  );

describe('RecordsView', () => {
  it('lists delivery outcomes and filters by outcome on the server', async () => {
    const seen: string[] = [];
    server.use(
      http.get(`${BASE}/records`, ({ request }) => {
        const outcome = new URL(request.url).searchParams.get('outcome') ?? '';
        seen.push(outcome);
        const all = [
          {
            id: '1',
            integrationId: 'demo',
            recipientType: 'user',
            recipient: 'user:default/bob',
            outcome: 'app not linked',
            createdAt: '2026-11-24T03:00:00Z',
            reference: 'inc-1',
          },
          {
            id: '2',
            integrationId: 'demo',
            recipientType: 'group',
            recipient: 'cid-sre',
            outcome: 'sent',
            createdAt: '2026-11-24T03:00:00Z',
            reference: 'inc-1',
          },
        ];
        return HttpResponse.json({
          items: all.filter(r => !outcome || r.outcome === outcome),
          total: 2,
        });
      }),
    );
    await render(<RecordsView integrationId="demo" />);
    expect(await screen.findByText('app not linked')).toBeInTheDocument();
    expect(screen.getByText('cid-sre')).toBeInTheDocument();
    fireEvent.mouseDown(screen.getByLabelText('Outcome'));
    fireEvent.click(await screen.findByRole('option', { name: 'sent' }));
    await waitFor(() =>
      expect(screen.queryByText('user:default/bob')).not.toBeInTheDocument(),
    );
    expect(seen).toContain('sent');
  });
});

describe('LinkedUsers and AccountLinkCard', () => {
  it('filters, links everyone by mobile and unlinks', async () => {
    let linked = false;
    const unlinked: string[] = [];
    server.use(
      http.get(`${BASE}/links`, ({ request }) => {
        const filter = new URL(request.url).searchParams.get('filter');
        const rows = [
          {
            userEntityRef: 'user:default/alice',
            displayName: 'Alice',
            dingtalkUserId: linked ? 'alice' : undefined,
          },
          { userEntityRef: 'user:default/bob', displayName: 'Bob' },
        ];
        return HttpResponse.json({
          items: rows.filter(r => filter !== 'linked' || r.dingtalkUserId),
        });
      }),
      http.post(`${BASE}/integrations/demo/links/link-all-by-mobile`, () => {
        linked = true;
        return HttpResponse.json({
          linked: ['user:default/alice'],
          notFound: ['user:default/bob'],
          skipped: [],
        });
      }),
      http.delete(`${BASE}/links/demo/:ref`, ({ params }) => {
        unlinked.push(decodeURIComponent(String(params.ref)));
        linked = false;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await render(<LinkedUsers integrationId="demo" />);
    expect(
      await screen.findByText('Alice (user:default/alice)'),
    ).toBeInTheDocument();
    fireEvent.click(
      screen.getByRole('button', { name: 'Link everyone by mobile' }),
    );
    expect(
      await screen.findByText(
        'Linked 1; not found in DingTalk: 1; skipped (already linked or no mobile): 0',
      ),
    ).toBeInTheDocument();
    fireEvent.click(await screen.findByRole('button', { name: 'Unlink' }));
    await waitFor(() => expect(unlinked).toEqual(['user:default/alice']));
  });

  it('shows the signed-in person their link, or how to make one', async () => {
    server.use(http.get(`${BASE}/links/me`, () => HttpResponse.json([])));
    await render(<AccountLinkCard />);
    expect(
      await screen.findByText(/Not linked. Open the app from DingTalk/),
    ).toBeInTheDocument();
  });
});

const PREVIEW = {
  integration: { id: 'demo', name: 'Demo corp', corpId: 'dingdemo' },
  dingtalk: {
    userId: 'alice',
    name: 'Alice Wang',
    avatarUrl: 'https://static-legacy.dingtalk.com/media/alice.png',
  },
  backstage: { userEntityRef: 'user:default/alice', displayName: 'Alice' },
  warnings: [],
  expiresAt: '',
};

describe('LinkAccountPage', () => {
  it('shows who will be linked to whom, then confirms the ticket from the fragment', async () => {
    window.history.pushState(
      {},
      '',
      '/dingtalk/link?integration=demo#ticket=abc.def',
    );
    let ticket: unknown;
    server.use(
      http.post(`${BASE}/links/preview`, () => HttpResponse.json(PREVIEW)),
      http.post(`${BASE}/links/confirm`, async ({ request }) => {
        ticket = ((await request.json()) as any).ticket;
        return HttpResponse.json(
          {
            integrationId: 'demo',
            userEntityRef: 'user:default/alice',
            dingtalkUserId: 'alice',
            name: 'Alice Wang',
            linkedAt: '',
          },
          { status: 201 },
        );
      }),
    );
    await render(<LinkAccountPage />);
    expect(
      await screen.findByText(
        'DingTalk account: Alice Wang, of Demo corp (corp dingdemo)',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Will be linked to your Backstage identity: Alice (user:default/alice)',
      ),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Link my account' }));
    expect(
      await screen.findByText(
        /DingTalk user Alice Wang is now user:default\/alice/,
      ),
    ).toBeInTheDocument();
    expect(ticket).toBe('abc.def');
  });

  it('warns about a mismatch and will not link over an existing link', async () => {
    window.history.pushState({}, '', '/dingtalk/link#ticket=t2');
    server.use(
      http.post(`${BASE}/links/preview`, () =>
        HttpResponse.json({
          ...PREVIEW,
          warnings: [
            'The mobile number in the catalog is not the one of this DingTalk account',
          ],
          conflict:
            "user:default/alice is already linked to a DingTalk account in integration 'demo': unlink it first, then link again",
        }),
      ),
    );
    await render(<LinkAccountPage />);
    expect(
      await screen.findByText(/Check before linking: The mobile number/),
    ).toBeInTheDocument();
    expect(screen.getByText(/unlink it first/)).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Link my account' }),
    ).toBeDisabled();
  });

  it('explains an expired ticket', async () => {
    window.history.pushState({}, '', '/dingtalk/link#ticket=old');
    server.use(
      http.post(`${BASE}/links/preview`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'InputError',
              message:
                'The link ticket is invalid or has expired: open the DingTalk app again',
            },
          },
          { status: 400 },
        ),
      ),
    );
    await render(<LinkAccountPage />);
    expect(
      await screen.findByText(/has expired: open the DingTalk app again/),
    ).toBeInTheDocument();
  });
});
