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

const SECRET = 'super-secret-client-value-123';
const AES = 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI';

function type(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

async function renderForm() {
  await renderInTestApp(
    <TestApiProvider apis={[[dingtalkApiRef, client]]}>
      <IntegrationForm />
    </TestApiProvider>,
  );
}

describe('IntegrationForm', () => {
  it('says why an aes_key is refused while typing', async () => {
    await renderForm();
    type('aes_key', AES.slice(0, 42));
    expect(
      await screen.findByText(
        'aes_key must be exactly 43 characters (DingTalk generates it)',
      ),
    ).toBeInTheDocument();
    type('aes_key', AES);
    await waitFor(() =>
      expect(
        screen.queryByText(/must be exactly 43 characters/),
      ).not.toBeInTheDocument(),
    );
  });

  it('saves, never shows a secret again, shows the four URLs and tests the credentials', async () => {
    let posted: any;
    server.use(
      http.post(`${BASE}/integrations`, async ({ request }) => {
        posted = await request.json();
        return HttpResponse.json(
          {
            id: 'acme',
            name: 'Acme',
            corpId: 'dingcorp',
            agentId: '1',
            clientId: 'dingclient',
            edition: 'standard',
            transport: 'http',
            warRoom: {},
            secrets: { clientSecret: true, aesKey: true, token: true },
            source: 'database',
            urls: {
              eventSubscriptionUrl:
                'https://bs/api/dingtalk/integrations/acme/events',
              coolAppWebUrl: 'https://bs/c',
              homepageUrl: 'https://bs/h',
              pcHomepageUrl: 'https://bs/p',
              robotMessageUrl:
                'https://bs/api/dingtalk/integrations/acme/robot-messages',
            },
            createdAt: '',
            updatedAt: '',
          },
          { status: 201 },
        );
      }),
      http.post(`${BASE}/integrations/acme/test`, () =>
        HttpResponse.json({
          ok: true,
          message: 'DingTalk issued an access token',
        }),
      ),
    );
    await renderForm();
    type('Name', 'Acme');
    type('CorpId', 'dingcorp');
    type('AgentId', '1');
    type('Client ID', 'dingclient');
    type('Client Secret', SECRET);
    type('aes_key', AES);
    type('Signature Token', 'tok');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved')).toBeInTheDocument();
    expect(posted).toMatchObject({
      clientSecret: SECRET,
      aesKey: AES,
      token: 'tok',
      edition: 'standard',
    });
    // the secret is gone from the page
    expect(document.body.innerHTML).not.toContain(SECRET);
    expect(
      (screen.getByLabelText('Client Secret') as HTMLInputElement).value,
    ).toBe('');
    expect(screen.getAllByText(/^Set ·/)).toHaveLength(3);
    expect(
      screen.getByDisplayValue(
        'https://bs/api/dingtalk/integrations/acme/events',
      ),
    ).toBeInTheDocument();
    // the robot's message receiving URL is shown with the other URLs
    expect(
      screen.getByDisplayValue(
        'https://bs/api/dingtalk/integrations/acme/robot-messages',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Copy PC Homepage URL' }),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Test credentials' }));
    expect(
      await screen.findByText('DingTalk issued an access token'),
    ).toBeInTheDocument();
  });

  it('shows the backend reason when saving fails', async () => {
    server.use(
      http.post(`${BASE}/integrations`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message:
                "An integration for Client ID 'dingclient' already exists",
            },
          },
          { status: 409 },
        ),
      ),
    );
    await renderForm();
    for (const [l, v] of [
      ['Name', 'Acme'],
      ['CorpId', 'c'],
      ['AgentId', '1'],
      ['Client ID', 'dingclient'],
      ['Client Secret', 's'],
      ['aes_key', AES],
      ['Signature Token', 't'],
    ])
      type(l, v);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText(
        "An integration for Client ID 'dingclient' already exists",
      ),
    ).toBeInTheDocument();
  });

  it('refuses to save with missing fields and says which', async () => {
    await renderForm();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('Fix the fields marked in red'),
    ).toBeInTheDocument();
    expect(screen.getByText('CorpId is required')).toBeInTheDocument();
  });
});
