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
 *
 * @jest-environment @backstage/cli-module-test-jest/config/jest-environment-jsdom
 * @jest-environment-options {"customExportConditions": ["node", "require", "default"]}
 */
// The simulator page (ui/) in jsdom against a real emulator: its scripts are
// loaded from the emulator, it polls the emulator's control API, and a card
// button click goes to a real card callback server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, DEMO_SEED, EmulatorHandle } from '.';

jest.setTimeout(60_000);

// Node's own fetch, kept before the page gets its own.
const realFetch: typeof fetch = globalThis.fetch.bind(globalThis);

const APP = DEMO_SEED.apps![0];
const GROUP = 'cid-sre-oncall';

async function until<T>(fn: () => T | undefined | null | false, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise(r => setTimeout(r, 25));
  }
}

describe('simulator UI', () => {
  let emu: EmulatorHandle;
  let callbacks: http.Server;
  let token: string;

  const dingtalk = async (path: string, body: object, method = 'POST') => {
    const res = await realFetch(`${emu.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { 'x-acs-dingtalk-access-token': token } : {}),
      },
      body: JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
    return res.json();
  };

  beforeAll(async () => {
    emu = await createEmulator({ demo: true, port: 0 });
    // The app's card callback: answers the clicker like the on-call bridge.
    callbacks = http.createServer((req, res) => {
      let data = '';
      req.on('data', c => (data += c));
      req.on('end', () => {
        const body = JSON.parse(data);
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            message: `Acknowledged as user:default/${body.userId} via DingTalk`,
          }),
        );
      });
    });
    await new Promise<void>(r => callbacks.listen(0, '127.0.0.1', () => r()));
    const { accessToken } = await dingtalk('/v1.0/oauth2/accessToken', {
      appKey: APP.appKey,
      appSecret: APP.appSecret,
    });
    token = accessToken;
    await realFetch(`${emu.baseUrl}/_emulator/api/installCoolApp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: APP.appKey, openConversationId: GROUP }),
    });
    await dingtalk('/v1.0/card/callbacks/register', {
      callbackRouteKey: 'oncall',
      callbackUrl: `http://127.0.0.1:${
        (callbacks.address() as AddressInfo).port
      }/card`,
    });
    await dingtalk('/v1.0/card/instances/createAndDeliver', {
      cardTemplateId: 'tpl',
      outTrackId: 'card-1',
      openSpaceId: `dtv1.card//IM_GROUP.${GROUP}`,
      callbackType: 'HTTP',
      callbackRouteKey: 'oncall',
      imGroupOpenDeliverModel: { robotCode: APP.appKey },
      imGroupOpenSpaceModel: { supportForward: true },
      cardData: {
        cardParamMap: {
          title: 'Checkout error rate above 5%',
          status: 'triggered',
          markdown: [
            '**Service:** component:default/checkout-api',
            'Opened by an alert',
            '[Open in Backstage](http://localhost:3000/oncall/incidents/1)',
            '[bad](javascript:alert(1))',
            '<img src=x onerror="window.__xss=1"> <b>not bold</b>',
          ].join('\n'),
          actions: JSON.stringify([
            { id: 'ack', label: 'Acknowledge' },
            { id: 'resolve', label: 'Resolve' },
          ]),
        },
      },
    });

    // The page as the emulator serves it, its scripts run in this window;
    // its requests go to the emulator.
    const html = await (await realFetch(`${emu.baseUrl}/`)).text();
    document.documentElement.innerHTML = html.replace(
      /<script[^>]*><\/script>/g,
      '',
    );
    (window as any).fetch = (url: string, init?: RequestInit) =>
      realFetch(new URL(url, emu.baseUrl).toString(), init);
    (window as any).prompt = () => null;
    for (const file of ['markdown.js', 'app.js']) {
      const src = await (
        await realFetch(`${emu.baseUrl}/_emulator/ui/${file}`)
      ).text();
      // eslint-disable-next-line no-eval
      window.eval(src);
    }
  });

  afterAll(async () => {
    await new Promise(r => callbacks?.close(r));
    await emu?.close();
  });

  it('renders card markdown as DingTalk does, keeps its nodes across polls, and shows the clicker the callback answer', async () => {
    const doc = document;
    await until(() => doc.querySelector('#actor option[value="alice"]'));
    (doc.getElementById('actor') as HTMLSelectElement).value = 'alice';
    const groupLink = await until(() =>
      [...doc.querySelectorAll('#groups a')].find(
        a => a.textContent === 'SRE On-call',
      ),
    );
    (groupLink as HTMLElement).click();
    const card = await until(() =>
      doc.querySelector('.card[data-card="card-1"]'),
    );

    // Markdown: bold, links, line breaks; untrusted text stays text.
    const md = card.querySelector('.md')!;
    expect(md.querySelector('strong')!.textContent).toBe('Service:');
    expect(md.querySelectorAll('br').length).toBeGreaterThanOrEqual(3);
    const link = md.querySelector('a')!;
    expect(link.textContent).toBe('Open in Backstage');
    expect(link.getAttribute('href')).toBe(
      'http://localhost:3000/oncall/incidents/1',
    );
    expect(md.querySelectorAll('a')).toHaveLength(1); // javascript: is not a link
    expect(md.textContent).toContain('(javascript:alert(1))');
    expect(md.querySelector('img, b')).toBeNull();
    expect(md.textContent).toContain('<img src=x onerror="window.__xss=1">');
    expect((window as any).__xss).toBeUndefined();
    expect(card.textContent).not.toContain('**');

    // Polls (every 2 s) leave the card and its buttons where they are.
    const ack = [...card.querySelectorAll('button')].find(
      b => b.textContent === 'Acknowledge',
    )!;
    const md0 = card.querySelector('.md');
    await new Promise(r => setTimeout(r, 4500));
    expect(ack.isConnected).toBe(true);
    expect(card.isConnected).toBe(true);
    expect(card.querySelector('.md')).toBe(md0);

    // An update (the status changes for everyone) patches the same nodes.
    await dingtalk(
      '/v1.0/card/instances',
      {
        outTrackId: 'card-1',
        cardData: { cardParamMap: { status: 'acknowledged' } },
      },
      'PUT',
    );
    await until(
      () =>
        card.querySelector('.status')?.textContent === 'Status: acknowledged',
    );
    expect(ack.isConnected).toBe(true);

    // The clicker sees the callback's answer as a toast.
    ack.click();
    const toast = doc.getElementById('toast')!;
    await until(() => toast.className.includes('visible'));
    expect(toast.textContent).toBe(
      'Acknowledged as user:default/alice via DingTalk',
    );
  });
});
