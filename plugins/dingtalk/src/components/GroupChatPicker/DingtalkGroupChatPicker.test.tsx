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

import { useState } from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { DingtalkClient, dingtalkApiRef } from '../../api/DingtalkApi';
import {
  DingtalkGroupChatPicker,
  PickedGroupChat,
} from './DingtalkGroupChatPicker';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const BASE = 'http://localhost:7007/api/dingtalk';
const client = new DingtalkClient({
  discoveryApi: { getBaseUrl: async () => BASE },
  fetchApi: { fetch: (...a) => fetch(...a) },
});
const groups = Array.from({ length: 10_000 }, (_, i) => ({
  integrationId: 'demo',
  openConversationId: `cid-${i}`,
  title: i === 4242 ? 'Payments war room' : `Group ${i}`,
  installed: true,
  updatedAt: '',
}));

function Harness(props: { onValue: (v: PickedGroupChat[]) => void }) {
  const [value, setValue] = useState<PickedGroupChat[]>([]);
  return (
    <DingtalkGroupChatPicker
      value={value}
      onChange={v => {
        setValue(v);
        props.onValue(v);
      }}
    />
  );
}

describe('DingtalkGroupChatPicker', () => {
  const queries: string[] = [];
  beforeEach(() => {
    queries.length = 0;
    server.use(
      http.get(`${BASE}/integrations`, () =>
        HttpResponse.json([{ id: 'demo', name: 'Demo' }]),
      ),
      http.get(`${BASE}/integrations/demo/groups`, ({ request }) => {
        const q = new URL(request.url).searchParams.get('q') ?? '';
        queries.push(q);
        const found = groups.filter(g =>
          g.title.toLowerCase().includes(q.toLowerCase()),
        );
        return HttpResponse.json({
          items: found.slice(0, 200),
          total: found.length,
        });
      }),
    );
  });

  it('searches on the server as you type and picks a group as a chip', async () => {
    const onValue = jest.fn();
    await renderInTestApp(
      <TestApiProvider apis={[[dingtalkApiRef, client]]}>
        <Harness onValue={onValue} />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('Showing 200 of 10000: type to narrow down'),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Search group chats'), {
      target: { value: 'payments' },
    });
    fireEvent.click(await screen.findByText('Payments war room'));
    expect(queries).toContain('payments');
    expect(onValue).toHaveBeenLastCalledWith([
      {
        integrationId: 'demo',
        openConversationId: 'cid-4242',
        title: 'Payments war room',
      },
    ]);
    // the chip shows the pick; deleting it empties the value
    const chip = screen
      .getAllByText('Payments war room')
      .find(el => el.closest('.MuiChip-root'))!;
    fireEvent.click(chip.closest('.MuiChip-root')!.querySelector('svg')!);
    await waitFor(() => expect(onValue).toHaveBeenLastCalledWith([]));
  });

  it('explains how to install the Cool App when there are no groups, and refreshes', async () => {
    let refreshed = 0;
    server.use(
      http.get(`${BASE}/integrations/demo/groups`, () =>
        HttpResponse.json({ items: [], total: 0 }),
      ),
      http.post(`${BASE}/integrations/demo/groups/refresh`, () => {
        refreshed += 1;
        return HttpResponse.json({ refreshed: 0, failed: [] });
      }),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[dingtalkApiRef, client]]}>
        <Harness onValue={() => {}} />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(
        /the list shows the groups where your DingTalk Cool App is installed/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/Cool Apps \(酷应用\)/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(refreshed).toBe(1));
  });

  it('shows the backend error', async () => {
    server.use(
      http.get(`${BASE}/integrations/demo/groups`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotAllowedError',
              message:
                'You are not allowed to do this (dingtalk.integration.read)',
            },
          },
          { status: 403 },
        ),
      ),
    );
    await renderInTestApp(
      <TestApiProvider apis={[[dingtalkApiRef, client]]}>
        <Harness onValue={() => {}} />
      </TestApiProvider>,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'dingtalk.integration.read',
    );
  });
});
