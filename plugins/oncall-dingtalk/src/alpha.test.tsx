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
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk/alpha';
import oncallPlugin from '@dingtalk-oncall/backstage-plugin-oncall/alpha';
import { StaticChannelTargetPickers } from '@dingtalk-oncall/backstage-plugin-oncall-react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import oncallDingtalkModule from './alpha';
import { dingtalkChannelTargetPicker } from './index';

jest.setTimeout(90_000);

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const ONCALL = 'http://localhost:7007/api/oncall';
const DINGTALK = 'http://localhost:7007/api/dingtalk';
const SERVICE = 'component:default/checkout-api';
const OTHER = { type: 'channel', channel: 'pager', id: 'p-1', title: 'Pager' };

describe('the DingTalk picker module of the on-call frontend', () => {
  it('puts the DingTalk group-chat picker into the rule editor, and other channels keep their targets', async () => {
    let saved: any;
    server.use(
      http.get(`${ONCALL}/incidents`, () =>
        HttpResponse.json({ items: [], totalCount: 0 }),
      ),
      http.get(`${ONCALL}/services`, () => HttpResponse.json({ items: [] })),
      http.get(`${ONCALL}/channels`, () =>
        HttpResponse.json({
          items: [
            { id: 'dingtalk', title: 'DingTalk' },
            { id: 'pager', title: 'Pager' },
          ],
        }),
      ),
      http.get(`${ONCALL}/channels/pager/targets`, () =>
        HttpResponse.json({ items: [{ id: 'p-1', title: 'Pager' }] }),
      ),
      http.get(`${ONCALL}/services/:ref/rule`, () =>
        HttpResponse.json({
          id: 'r1',
          serviceRef: SERVICE,
          name: 'checkout',
          repeat: 0,
          createdAt: '',
          updatedAt: '',
          steps: [{ delayMinutes: 0, targets: [OTHER] }],
        }),
      ),
      http.put(`${ONCALL}/services/:ref/rule`, async ({ request }) => {
        saved = await request.json();
        return HttpResponse.json({ ...saved, id: 'r1' });
      }),
      http.get(`${ONCALL}/services/:ref/webhooks`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`${ONCALL}/me/notification-preferences`, () =>
        HttpResponse.json({ channels: {} }),
      ),
      http.get(`${DINGTALK}/integrations`, () =>
        HttpResponse.json([{ id: 'demo', name: 'Demo' }]),
      ),
      http.get(`${DINGTALK}/integrations/demo/groups`, () =>
        HttpResponse.json({
          items: [
            {
              integrationId: 'demo',
              openConversationId: 'cid-sre',
              title: 'SRE On-call',
              installed: true,
              updatedAt: '',
            },
          ],
          total: 1,
        }),
      ),
    );
    renderTestApp({
      features: [oncallPlugin, dingtalkPlugin, oncallDingtalkModule],
      initialRouteEntries: [`/oncall?service=${encodeURIComponent(SERVICE)}`],
      config: { backend: { baseUrl: 'http://localhost:7007' } },
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [
        mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
        mockApis.fetch(),
        catalogApiMock({ entities: [] }),
      ],
    });
    // Once the rule is loaded (its step shows the other channel's target).
    await screen.findByText(
      'Pager targets for step 1',
      {},
      { timeout: 30_000 },
    );
    const step = screen.getByTestId('step-1');
    // DingTalk's own picker (its search box), found through the blueprint.
    const dingtalk = await within(step).findByTestId(
      'dingtalk-group-chat-picker',
      {},
      { timeout: 20_000 },
    );
    expect(
      within(dingtalk).getByLabelText('Search group chats'),
    ).toBeInTheDocument();
    fireEvent.click(await within(dingtalk).findByText('SRE On-call'));
    fireEvent.click(screen.getByRole('button', { name: 'Save rule' }));
    expect(
      await screen.findByText('Escalation rule saved'),
    ).toBeInTheDocument();
    expect(saved.steps[0].targets).toEqual([
      OTHER,
      {
        type: 'channel',
        channel: 'dingtalk',
        id: 'cid-sre',
        title: 'SRE On-call',
        integrationId: 'demo',
      },
    ]);
  });

  it('is the picker of the channel dingtalk for legacy apps too', async () => {
    const [picker] = await new StaticChannelTargetPickers([
      dingtalkChannelTargetPicker,
    ]).loadPickers();
    expect(picker.channelId).toBe('dingtalk');
  });
});
