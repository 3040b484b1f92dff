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

import { fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { OncallClient, oncallApiRef } from '../../api/OncallApi';
import { ServiceWebhooks } from './ServiceWebhooks';

jest.setTimeout(60_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ONCALL = 'http://localhost:7007/api/oncall';
const SERVICE = 'component:default/checkout-api';
const HOOKS = `${ONCALL}/services/${encodeURIComponent(SERVICE)}/webhooks`;
const discoveryApi = {
  getBaseUrl: async (id: string) => `http://localhost:7007/api/${id}`,
};
const fetchApi = { fetch: (...a: Parameters<typeof fetch>) => fetch(...a) };

/** The webhook routes as the backend answers them, over HTTP. */
function backend() {
  const hooks: any[] = [];
  let n = 0;
  const token = () => `ocw_secret${++n}`;
  server.use(
    http.get(HOOKS, () => HttpResponse.json({ items: hooks })),
    http.post(HOOKS, async ({ request }) => {
      const { name } = (await request.json()) as { name: string };
      const t = token();
      const hook = {
        id: `w${n}`,
        serviceRef: SERVICE,
        name,
        tokenPrefix: t.slice(0, 8),
        createdAt: '2026-11-24T03:00:00Z',
      };
      hooks.push(hook);
      return HttpResponse.json(
        { ...hook, token: t, path: `/api/oncall/alerts/${t}` },
        { status: 201 },
      );
    }),
    http.patch(`${HOOKS}/:id`, async ({ params, request }) => {
      const hook = hooks.find(h => h.id === params.id);
      hook.name = ((await request.json()) as { name: string }).name;
      return HttpResponse.json(hook);
    }),
    http.post(`${HOOKS}/:id/rotate`, ({ params }) => {
      const hook = hooks.find(h => h.id === params.id);
      const t = token();
      hook.tokenPrefix = t.slice(0, 8);
      hook.rotatedAt = '2026-11-24T04:00:00Z';
      return HttpResponse.json({ ...hook, token: t, path: '' });
    }),
    http.delete(`${HOOKS}/:id`, ({ params }) => {
      hooks.splice(
        hooks.findIndex(h => h.id === params.id),
        1,
      );
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return hooks;
}

describe('ServiceWebhooks', () => {
  it('creates a webhook and shows its token once, with examples using the header form', async () => {
    const hooks = backend();
    await renderInTestApp(
      <TestApiProvider
        apis={[[oncallApiRef, new OncallClient({ discoveryApi, fetchApi })]]}
      >
        <ServiceWebhooks serviceRef={SERVICE} />
      </TestApiProvider>,
    );
    expect(await screen.findByText(/No webhook yet/)).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Webhook name'), {
      target: { value: 'prometheus' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect(await screen.findByTestId('webhook-token-value')).toHaveTextContent(
      'ocw_secret1',
    );
    const examples = screen.getByTestId('webhook-examples');
    expect(
      within(examples).getByTestId('webhook-example-alertmanager'),
    ).toHaveTextContent(
      /url: http:\/\/localhost:7007\/api\/oncall\/alerts.*type: Bearer.*credentials: ocw_secret1/s,
    );
    fireEvent.click(within(examples).getByRole('tab', { name: 'Grafana' }));
    expect(
      within(examples).getByTestId('webhook-example-grafana'),
    ).toHaveTextContent(/authorization_credentials: ocw_secret1/);
    fireEvent.click(within(examples).getByRole('tab', { name: 'JSON' }));
    expect(
      within(examples).getByTestId('webhook-example-json'),
    ).toHaveTextContent("-H 'Authorization: Bearer ocw_secret1'");

    // Once hidden, the token is gone from the page for good.
    fireEvent.click(
      screen.getByRole('button', { name: 'Done, hide the token' }),
    );
    const row = await screen.findByTestId('webhook-prometheus');
    expect(row).toHaveTextContent('No alert yet');
    expect(document.body.textContent).not.toContain('ocw_secret1');
    expect(
      screen.getByTestId('webhook-example-alertmanager'),
    ).toHaveTextContent('credentials: <token>');

    // Rotate: a new token, shown once.
    fireEvent.click(
      screen.getByRole('button', { name: 'Rotate the token of prometheus' }),
    );
    expect(await screen.findByTestId('webhook-token-value')).toHaveTextContent(
      'ocw_secret2',
    );

    // Rename, then delete (asked twice).
    fireEvent.click(screen.getByRole('button', { name: 'Rename prometheus' }));
    fireEvent.change(screen.getByLabelText('New name for prometheus'), {
      target: { value: 'alertmanager' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(
      await screen.findByTestId('webhook-alertmanager'),
    ).toBeInTheDocument();
    expect(hooks[0].name).toBe('alertmanager');
    fireEvent.click(
      screen.getByRole('button', { name: 'Delete alertmanager' }),
    );
    fireEvent.click(
      screen.getByRole('button', { name: 'Really delete alertmanager' }),
    );
    expect(await screen.findByText(/No webhook yet/)).toBeInTheDocument();
    expect(hooks).toHaveLength(0);
  });

  it('shows when each webhook last received an alert', async () => {
    server.use(
      http.get(HOOKS, () =>
        HttpResponse.json({
          items: [
            {
              id: 'w1',
              serviceRef: SERVICE,
              name: 'grafana',
              tokenPrefix: 'ocw_abcd',
              createdAt: '2026-11-24T03:00:00Z',
              lastUsedAt: '2026-11-24T05:06:00Z',
            },
          ],
        }),
      ),
    );
    await renderInTestApp(
      <TestApiProvider
        apis={[[oncallApiRef, new OncallClient({ discoveryApi, fetchApi })]]}
      >
        <ServiceWebhooks serviceRef={SERVICE} />
      </TestApiProvider>,
    );
    const row = await screen.findByTestId('webhook-grafana');
    expect(row).toHaveTextContent(
      new Date('2026-11-24T05:06:00Z').toLocaleString(),
    );
    expect(row).toHaveTextContent('ocw_abcd…');
  });
});
