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

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import {
  channelTargetPickersApiRef,
  createChannelTargetPicker,
  StaticChannelTargetPickers,
  type ChannelTargetPickerProps,
} from '@dingtalk-oncall/backstage-plugin-oncall-react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { OncallClient, oncallApiRef } from '../../api/OncallApi';
import { RuleEditor } from './RuleEditor';

jest.setTimeout(60_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ONCALL = 'http://localhost:7007/api/oncall';
const discoveryApi = {
  getBaseUrl: async (id: string) => `http://localhost:7007/api/${id}`,
};
const fetchApi = { fetch: (...a: Parameters<typeof fetch>) => fetch(...a) };

const catalog = new InMemoryCatalogClient({
  entities: [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: 'alice', namespace: 'default' },
      spec: { profile: { displayName: 'Alice Liddell' }, memberOf: [] },
    },
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'sre', namespace: 'default', title: 'SRE' },
      spec: { type: 'team', children: [] },
    },
  ],
});

/** A channel's own picker, contributed like a channel module would. */
function PagerPicker(props: ChannelTargetPickerProps) {
  return (
    <button
      type="button"
      onClick={() =>
        props.onChange([
          ...props.value,
          { type: 'channel', channel: 'pager', id: 'pg-2', title: 'Pager 2' },
        ])
      }
    >
      {`${props.label}: ${props.value.map(v => v.title).join(', ')}`}
    </button>
  );
}

function render(
  pickers = [
    createChannelTargetPicker({ channelId: 'pager', component: PagerPicker }),
  ],
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [oncallApiRef, new OncallClient({ discoveryApi, fetchApi })],
        [catalogApiRef, catalog],
        [channelTargetPickersApiRef, new StaticChannelTargetPickers(pickers)],
      ]}
    >
      <RuleEditor serviceRef="component:default/checkout-api" />
    </TestApiProvider>,
  );
}

const RULE_WITH_EVERY_CHANNEL = {
  id: 'r1',
  serviceRef: 'component:default/checkout-api',
  name: 'checkout',
  repeat: 0,
  repeatDelayMinutes: 7,
  createdAt: '',
  updatedAt: '',
  steps: [
    {
      delayMinutes: 0,
      targets: [
        { type: 'user', ref: 'user:default/alice' },
        { type: 'channel', channel: 'pager', id: 'pg-1', title: 'Pager 1' },
        {
          type: 'channel',
          channel: 'chat',
          id: 'room-1',
          title: 'Room 1',
          integrationId: 'corp',
        },
        // A channel this backend does not list (its module was removed).
        { type: 'channel', channel: 'gone', id: 'g-1', title: 'Old' },
      ],
    },
  ],
};

function serve(rule: object | undefined, saved: { body?: any }) {
  server.use(
    http.get(`${ONCALL}/services/:ref/rule`, () =>
      rule
        ? HttpResponse.json(rule)
        : HttpResponse.json(
            { error: { name: 'NotFoundError', message: 'No rule' } },
            { status: 404 },
          ),
    ),
    http.put(`${ONCALL}/services/:ref/rule`, async ({ request }) => {
      saved.body = await request.json();
      return HttpResponse.json({ ...saved.body, id: 'r1' });
    }),
    http.get(`${ONCALL}/channels`, () =>
      HttpResponse.json({
        items: [
          { id: 'pager', title: 'Pager' },
          { id: 'chat', title: 'Chat' },
        ],
      }),
    ),
    // The generic picker's search, with cursor paging.
    http.get(`${ONCALL}/channels/chat/targets`, ({ request }) => {
      const url = new URL(request.url);
      const all = [1, 2, 3].map(n => ({
        id: `room-${n}`,
        title: `Room ${n}`,
        integrationId: 'corp',
      }));
      const q = url.searchParams.get('q') ?? '';
      const matching = all.filter(t => t.title.includes(q));
      const start = Number(url.searchParams.get('cursor') ?? 0);
      return HttpResponse.json({
        items: matching.slice(start, start + 2),
        nextCursor: start + 2 < matching.length ? String(start + 2) : undefined,
      });
    }),
  );
}

describe('RuleEditor', () => {
  it('keeps the targets of every channel through an edit, and edits each with its own picker or the generic one', async () => {
    const saved: { body?: any } = {};
    serve(RULE_WITH_EVERY_CHANNEL, saved);
    await render();

    // The contributed picker gets only its own channel's targets.
    const pager = await screen.findByRole('button', {
      name: 'Pager targets for step 1: Pager 1',
    });
    // Generic picker: the first page, then the next one through the cursor.
    const chat = screen.getByTestId('channel-target-picker-chat');
    expect(await within(chat).findByText('Room 2')).toBeInTheDocument();
    expect(within(chat).queryByText('Room 3')).not.toBeInTheDocument();
    fireEvent.click(within(chat).getByRole('button', { name: 'Load more' }));
    fireEvent.click(await within(chat).findByLabelText('Room 3'));
    // The unlisted channel's target is kept and shown.
    expect(screen.getByText('gone: Old')).toBeInTheDocument();
    expect(await screen.findByText('Alice Liddell')).toBeInTheDocument();

    fireEvent.click(pager);
    fireEvent.change(screen.getByLabelText('Delay (minutes) for step 1'), {
      target: { value: '2' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(
      await screen.findByText('Escalation rule saved'),
    ).toBeInTheDocument();
    // What the editor does not show is kept too.
    expect(saved.body.repeatDelayMinutes).toBe(7);
    expect(saved.body.steps).toEqual([
      {
        delayMinutes: 2,
        targets: expect.arrayContaining([
          { type: 'user', ref: 'user:default/alice' },
          { type: 'channel', channel: 'pager', id: 'pg-1', title: 'Pager 1' },
          { type: 'channel', channel: 'pager', id: 'pg-2', title: 'Pager 2' },
          {
            type: 'channel',
            channel: 'chat',
            id: 'room-1',
            title: 'Room 1',
            integrationId: 'corp',
          },
          {
            type: 'channel',
            channel: 'chat',
            id: 'room-3',
            title: 'Room 3',
            integrationId: 'corp',
          },
          { type: 'channel', channel: 'gone', id: 'g-1', title: 'Old' },
        ]),
      },
    ]);
    expect(saved.body.steps[0].targets).toHaveLength(6);
  });

  it('keeps another channel’s targets when a step is removed or added', async () => {
    const saved: { body?: any } = {};
    serve(
      {
        ...RULE_WITH_EVERY_CHANNEL,
        steps: [
          {
            delayMinutes: 0,
            targets: [{ type: 'channel', channel: 'chat', id: 'room-1' }],
          },
          {
            delayMinutes: 5,
            targets: [
              { type: 'channel', channel: 'pager', id: 'pg-1', title: 'P' },
            ],
          },
        ],
      },
      saved,
    );
    await render();
    await screen.findByRole('button', { name: 'Pager targets for step 2: P' });
    fireEvent.click(screen.getByRole('button', { name: 'Remove step 1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    fireEvent.click(
      screen.getByRole('button', { name: /^Pager targets for step 2:\s*$/ }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    await screen.findByText('Escalation rule saved');
    expect(saved.body.steps).toEqual([
      {
        delayMinutes: 5,
        targets: [
          { type: 'channel', channel: 'pager', id: 'pg-1', title: 'P' },
        ],
      },
      {
        delayMinutes: 5,
        targets: [
          { type: 'channel', channel: 'pager', id: 'pg-2', title: 'Pager 2' },
        ],
      },
    ]);
  });

  it('finds people and teams in the catalog as you type', async () => {
    const saved: { body?: any } = {};
    serve(undefined, saved);
    await render([]);
    const people = screen.getByLabelText('People for step 1');
    fireEvent.change(people, { target: { value: 'lidd' } });
    fireEvent.click(await screen.findByText('Alice Liddell'));
    fireEvent.change(people, { target: { value: 'sre' } });
    fireEvent.click(await screen.findByText('SRE'));
    fireEvent.click(await screen.findByLabelText('Room 1'));
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    await screen.findByText('Escalation rule saved');
    expect(saved.body.steps[0].targets).toEqual([
      { type: 'user', ref: 'user:default/alice' },
      { type: 'group', ref: 'group:default/sre' },
      {
        type: 'channel',
        channel: 'chat',
        id: 'room-1',
        title: 'Room 1',
        integrationId: 'corp',
      },
    ]);
  });

  it('does not save a rule naming someone the catalog does not have', async () => {
    const saved: { body?: any } = {};
    serve(
      {
        ...RULE_WITH_EVERY_CHANNEL,
        steps: [
          {
            delayMinutes: 0,
            targets: [{ type: 'user', ref: 'user:default/alcie' }],
          },
        ],
      },
      saved,
    );
    await render();
    expect(
      await screen.findByText('user:default/alcie (not in the catalog)'),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'step 1: user:default/alcie is not in the catalog',
      ),
    );
    expect(saved.body).toBeUndefined();
  });

  it('says what is wrong before saving', async () => {
    serve(undefined, {});
    await render();
    fireEvent.change(screen.getByLabelText('Delay (minutes) for step 1'), {
      target: { value: '-3' },
    });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Save rule' })).toBeEnabled(),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent('steps.0'),
    );
  });
});
