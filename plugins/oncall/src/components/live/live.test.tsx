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

import { act, screen, waitFor } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { OncallClient, oncallApiRef } from '../../api/OncallApi';
import { IncidentList } from '../IncidentList';
import { IncidentDetail } from '../IncidentDetail';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ONCALL = 'http://localhost:7007/api/oncall';
const discoveryApi = {
  getBaseUrl: async (id: string) => `http://localhost:7007/api/${id}`,
};
const fetchApi = { fetch: (...a: Parameters<typeof fetch>) => fetch(...a) };

// What a signal carries (JsonObject), named through the API's own type.
type JsonObject = Parameters<Parameters<SignalApi['subscribe']>[1]>[0];

/** The app's signal API as the websocket client delivers to subscribers. */
class Signals implements SignalApi {
  readonly #subscribers = new Map<string, Set<(m: JsonObject) => void>>();
  subscribe<TMessage extends JsonObject = JsonObject>(
    channel: string,
    onMessage: (message: TMessage) => void,
  ) {
    const set = this.#subscribers.get(channel) ?? new Set();
    const listener = onMessage as (m: JsonObject) => void;
    set.add(listener);
    this.#subscribers.set(channel, set);
    return {
      unsubscribe: () => {
        set.delete(listener);
      },
    };
  }
  deliver(channel: string, message: JsonObject) {
    act(() => this.#subscribers.get(channel)?.forEach(s => s(message)));
  }
}

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
  timeline: [],
  ...over,
});

/** The backend's state, changed "elsewhere" (a DingTalk click). */
function backend() {
  const state = { current: incident(), listCalls: 0, getCalls: 0 };
  server.use(
    http.get(`${ONCALL}/incidents`, () => {
      state.listCalls++;
      return HttpResponse.json({ items: [state.current], totalCount: 1 });
    }),
    http.get(`${ONCALL}/incidents/inc-1`, () => {
      state.getCalls++;
      return HttpResponse.json(state.current);
    }),
  );
  return state;
}

function render(signals: Signals, element: JSX.Element) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [oncallApiRef, new OncallClient({ discoveryApi, fetchApi })],
        [signalApiRef, signals],
        [discoveryApiRef, discoveryApi],
        [fetchApiRef, fetchApi],
      ]}
    >
      {element}
    </TestApiProvider>,
  );
}

const ackedByAlice = {
  status: 'acknowledged',
  acknowledgedBy: 'user:default/alice',
  acknowledgedAt: '2026-11-24T03:01:00Z',
  updatedAt: '2026-11-24T03:01:00Z',
};
const signal = (over: object = {}) => ({
  incidentId: 'inc-1',
  serviceRef: 'component:default/checkout-api',
  status: 'acknowledged',
  updatedAt: '2026-11-24T03:01:00Z',
  ...over,
});

describe('live incident pages', () => {
  it('the incident list shows a change made elsewhere within a second of its signal', async () => {
    const state = backend();
    const signals = new Signals();
    await render(signals, <IncidentList />);
    expect(await screen.findByText('triggered')).toBeInTheDocument();
    expect(screen.getByTestId('incident-list')).toHaveAttribute(
      'data-live',
      'true',
    );

    state.current = incident(ackedByAlice);
    const sentAt = Date.now();
    signals.deliver('oncall:incident', signal());
    expect(
      await screen.findByText('acknowledged by user:default/alice', undefined, {
        timeout: 1000,
      }),
    ).toBeInTheDocument();
    expect(Date.now() - sentAt).toBeLessThan(1000);
  });

  it("the entity tab ignores other services' incidents and follows its own", async () => {
    const state = backend();
    const signals = new Signals();
    await render(
      signals,
      <IncidentList serviceRef="component:default/checkout-api" />,
    );
    expect(await screen.findByText('triggered')).toBeInTheDocument();
    await waitFor(() => expect(state.listCalls).toBe(1));

    signals.deliver(
      'oncall:incident',
      signal({ incidentId: 'inc-9', serviceRef: 'component:default/other' }),
    );
    await new Promise(r => setTimeout(r, 300));
    expect(state.listCalls).toBe(1);

    state.current = incident(ackedByAlice);
    signals.deliver('oncall:incident', signal());
    expect(
      await screen.findByText('acknowledged by user:default/alice', undefined, {
        timeout: 1000,
      }),
    ).toBeInTheDocument();
  });

  it('the incident page refetches on its own incident’s signal only', async () => {
    const state = backend();
    const signals = new Signals();
    await render(signals, <IncidentDetail id="inc-1" />);
    expect(await screen.findByTestId('incident-status')).toHaveTextContent(
      'critical · triggered',
    );
    const calls = state.getCalls;
    signals.deliver('oncall:incident', signal({ incidentId: 'inc-2' }));
    await new Promise(r => setTimeout(r, 300));
    expect(state.getCalls).toBe(calls);

    state.current = incident(ackedByAlice);
    signals.deliver('oncall:incident', signal());
    await waitFor(
      () =>
        expect(screen.getByTestId('incident-status')).toHaveTextContent(
          'critical · acknowledged by user:default/alice',
        ),
      { timeout: 1000 },
    );
  });
});
