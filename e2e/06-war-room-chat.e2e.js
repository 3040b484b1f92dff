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

// The war room works both ways: in a war room made for an incident, alice
// writes "@bot ack" in the simulator's message box and the incident is
// acknowledged by her (the card in the room follows); bob's message shows in
// the incident timeline in Backstage; "@bot note ..." is a note; an unlinked
// person's "@bot resolve" is answered with why and changes nothing; and
// "@bot incident checkout-api 支付超时" in a group declares an incident that
// escalates into that group.
const assert = require('node:assert/strict');
const { signIn } = require('./helpers');
const secrets = require('./secrets');

const SERVICE = 'component:default/checkout-api';
const DEMO = {
  corpId: 'dingdemo0000000000',
  appKey: 'dingdemoappkey000000',
  appSecret: 'demo-app-secret-0000000000000000000000000000000000000000000000',
};
const GROUP = 'cid-sre-oncall';

async function control(page, emulatorUrl, method, body) {
  const res = await page.request.post(
    `${emulatorUrl}/_emulator/api/${method}`,
    { data: body },
  );
  assert.ok(res.ok(), `${method}: ${res.status()} ${await res.text()}`);
  return res.json();
}

async function eventually(check, ms = 20_000) {
  const began = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() - began > ms) throw e;
      await new Promise(r => setTimeout(r, 250));
    }
  }
}

module.exports = async ({ page, shot, appUrl, backendUrl, emulatorUrl }) => {
  await signIn(page, appUrl);
  const session = await page.request.get(
    `${backendUrl}/api/auth/guest/refresh`,
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  const token = (await session.json()).backstageIdentity.token;
  secrets.remember('06: Backstage session token', token);
  const auth = { authorization: `Bearer ${token}` };
  const api = async (method, url, data) => {
    const res = await page.request[method](`${backendUrl}${url}`, {
      headers: auth,
      ...(data ? { data } : {}),
    });
    assert.ok(
      res.ok(),
      `${method} ${url}: ${res.status()} ${await res.text()}`,
    );
    return res.status() === 204 ? undefined : res.json();
  };

  // The demo people are linked; erin is in DingTalk only (no Backstage account).
  await api('post', '/api/dingtalk/integrations/demo/links/link-all-by-mobile');
  await control(page, emulatorUrl, 'createUser', {
    corpId: DEMO.corpId,
    userId: 'erin',
    name: 'Erin',
    mobile: '13800000077',
  });
  await control(page, emulatorUrl, 'installCoolApp', {
    appKey: DEMO.appKey,
    openConversationId: GROUP,
  });
  // checkout-api pages the SRE On-call group first, then bob.
  await api('put', `/api/oncall/services/${encodeURIComponent(SERVICE)}/rule`, {
    name: 'Checkout (e2e 06)',
    steps: [
      {
        delayMinutes: 0,
        targets: [
          {
            type: 'channel',
            channel: 'dingtalk',
            id: GROUP,
            title: 'SRE On-call',
            integrationId: 'demo',
          },
        ],
      },
      {
        delayMinutes: 10,
        targets: [{ type: 'user', ref: 'user:default/bob' }],
      },
    ],
  });
  const incident = await api('post', '/api/oncall/incidents', {
    title: 'Checkout latency (e2e 06)',
    severity: 'critical',
    serviceRef: SERVICE,
  });
  const id = incident.id;
  // bob is on it too: the war room is made with him in it
  await api('post', `/api/oncall/incidents/${id}/reassign`, {
    assignee: 'user:default/bob',
  });

  // The incident page's "Create war room": a scene group with its card.
  await page.goto(`${appUrl}/oncall/incidents/${encodeURIComponent(id)}`);
  const detail = page.getByTestId('incident-detail');
  await detail.getByRole('button', { name: 'Create war room' }).click();
  const room = await eventually(async () => {
    const groups = await control(page, emulatorUrl, 'groups', {});
    const found = groups.find(
      g => g.templateId && g.title.includes('Checkout latency (e2e 06)'),
    );
    assert.ok(found, 'the war room exists');
    return found;
  });
  // A DingTalk admin adds erin to the room.
  const gettoken = await page.request.get(
    `${emulatorUrl}/gettoken?appkey=${DEMO.appKey}&appsecret=${DEMO.appSecret}`,
  );
  const accessToken = (await gettoken.json()).access_token;
  const added = await page.request.post(
    `${emulatorUrl}/topapi/im/chat/scenegroup/member/add?access_token=${accessToken}`,
    {
      data: { open_conversation_id: room.openConversationId, user_ids: 'erin' },
    },
  );
  assert.ok(added.ok(), await added.text());

  // The simulator: people write in the war room through the message box.
  const simulator = await page.context().newPage();
  await simulator.goto(`${emulatorUrl}/`);
  const write = async (who, conversation, text) => {
    await simulator.locator('#actor').selectOption(who);
    await simulator.locator('#message-conversation').selectOption(conversation);
    await simulator.locator('#message-text').fill(text);
    await simulator.locator('#message-send').click();
    await simulator
      .locator('#message-status')
      .getByText(/Delivered|Sent|Not sent/)
      .waitFor();
    const status = await simulator.locator('#message-status').innerText();
    assert.ok(!status.startsWith('Not sent'), status);
  };
  const replies = async cid =>
    (
      await control(page, emulatorUrl, 'messages', { openConversationId: cid })
    ).map(m => String(m.msgParam.content ?? m.msgParam.text ?? ''));
  const cid = room.openConversationId;
  await simulator
    .locator('#message-conversation')
    .locator(`option[value="${cid}"]`)
    .waitFor({ state: 'attached' });

  await write('alice', cid, '@bot ack');
  await eventually(async () => {
    const now = await api('get', `/api/oncall/incidents/${id}`);
    assert.equal(now.status, 'acknowledged');
    assert.equal(now.acknowledgedBy, 'user:default/alice');
  });
  await eventually(async () => {
    const cards = await control(page, emulatorUrl, 'cards', {
      openConversationId: cid,
    });
    assert.equal(cards[0].cardParamMap.status, 'acknowledged');
  });
  assert.match((await replies(cid)).join('\n'), /Acknowledged by alice/);

  await write('bob', cid, 'rolling back checkout-api to 1.4.2');
  await write('bob', cid, '@bot note rollback started');
  // Backstage shows both within seconds (the page refreshes itself)
  const timeline = page.getByTestId('timeline');
  await timeline
    .getByText(
      /Message from user:default\/bob: rolling back checkout-api to 1\.4\.2/,
    )
    .waitFor({ timeout: 20_000 });
  await timeline
    .getByText('rollback started', { exact: true })
    .waitFor({ timeout: 20_000 });
  await shot('timeline');

  // erin has no Backstage account: told why, nothing changes
  await write('erin', cid, '@bot resolve');
  await eventually(async () =>
    assert.match(
      (await replies(cid)).at(-1),
      /not linked to a Backstage user.*nothing was changed/s,
    ),
  );
  assert.equal(
    (await api('get', `/api/oncall/incidents/${id}`)).status,
    'acknowledged',
  );
  await simulator.screenshot({
    path: require('node:path').join(
      process.cwd(),
      'artifacts/e2e/06-war-room-chat-simulator.png',
    ),
  });

  // Declaring from the group chat: an incident for checkout-api that escalates.
  await write('alice', GROUP, '@bot incident checkout-api 支付超时');
  await eventually(async () =>
    assert.match((await replies(GROUP)).join('\n'), /Declared "支付超时"/),
  );
  const declared = await api(
    'get',
    `/api/oncall/incidents?q=${encodeURIComponent('支付超时')}`,
  );
  assert.equal(declared.items[0]?.serviceRef, SERVICE);
  await eventually(async () => {
    const cards = await control(page, emulatorUrl, 'cards', {
      openConversationId: GROUP,
    });
    assert.ok(
      cards.some(c => String(c.cardParamMap.title).includes('支付超时')),
      'the declared incident was escalated to the group',
    );
  });
};
