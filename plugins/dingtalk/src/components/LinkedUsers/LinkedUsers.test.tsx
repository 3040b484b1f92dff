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

import { screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { DingtalkClient, dingtalkApiRef } from '../../api/DingtalkApi';
import { AccountLinkCard, LinkedUsers } from './LinkedUsers';

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

describe('where each link came from', () => {
  it('shows a DingTalk id two catalog users claim as a conflict', async () => {
    server.use(
      http.get(`${BASE}/links`, () =>
        HttpResponse.json({
          items: [
            {
              userEntityRef: 'user:default/bob',
              dingtalkUserId: 'bob',
              source: 'sync',
              conflictsWith: ['user:default/robert'],
            },
            {
              userEntityRef: 'user:default/robert',
              dingtalkUserId: 'bob',
              source: 'h5',
              conflictsWith: ['user:default/bob'],
            },
            {
              userEntityRef: 'user:default/carol',
              dingtalkUserId: 'carol',
              source: 'sync',
            },
          ],
        }),
      ),
    );
    await render(<LinkedUsers integrationId="demo" />);
    const row = async (ref: string) =>
      (await screen.findByText(ref)).closest('tr') as HTMLElement;
    expect(
      within(await row('user:default/bob')).getByText(
        'Conflict: also claimed by user:default/robert',
      ),
    ).toBeInTheDocument();
    expect(
      within(await row('user:default/carol')).queryByText(/Conflict/),
    ).toBeNull();
  });

  it('shows each source, and offers no unlink for a link the org sync keeps', async () => {
    server.use(
      http.get(`${BASE}/links`, () =>
        HttpResponse.json({
          items: [
            {
              userEntityRef: 'user:default/alice',
              dingtalkUserId: 'alice',
              source: 'sync',
            },
            {
              userEntityRef: 'user:default/bob',
              dingtalkUserId: 'bob',
              source: 'sign-in',
            },
            {
              userEntityRef: 'user:default/carol',
              dingtalkUserId: 'carol',
              source: 'h5',
            },
            {
              userEntityRef: 'user:default/dan',
              dingtalkUserId: 'dan',
              source: 'mobile',
            },
            {
              userEntityRef: 'user:default/eve',
              dingtalkUserId: 'eve',
              source: 'admin',
            },
            { userEntityRef: 'user:default/guest' },
          ],
        }),
      ),
    );
    await render(<LinkedUsers integrationId="demo" />);
    const row = async (ref: string) =>
      (await screen.findByText(ref)).closest('tr') as HTMLElement;
    const expected: Array<[string, string]> = [
      ['user:default/alice', 'Organisation sync'],
      ['user:default/bob', 'DingTalk sign-in'],
      ['user:default/carol', 'H5 page'],
      ['user:default/dan', 'Mobile match'],
      ['user:default/eve', 'Admin'],
    ];
    for (const [ref, label] of expected) {
      expect(within(await row(ref)).getByText(label)).toBeInTheDocument();
    }
    expect(
      within(await row('user:default/alice')).queryByRole('button', {
        name: 'Unlink',
      }),
    ).toBeNull();
    expect(
      within(await row('user:default/bob')).getByRole('button', {
        name: 'Unlink',
      }),
    ).toBeInTheDocument();
    expect(
      within(await row('user:default/guest')).getByText('not linked'),
    ).toBeInTheDocument();
  });

  it("tells a synced person their link is the organisation's", async () => {
    server.use(
      http.get(`${BASE}/links/me`, () =>
        HttpResponse.json([
          {
            integrationId: 'demo',
            userEntityRef: 'user:default/alice',
            dingtalkUserId: 'alice',
            name: 'Alice Wang',
            linkedAt: '',
            source: 'sync',
          },
        ]),
      ),
    );
    await render(<AccountLinkCard />);
    expect(
      await screen.findByText(
        /demo: linked to DingTalk user Alice Wang \(Organisation sync\)/,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Unlink' })).toBeNull();
  });
});
