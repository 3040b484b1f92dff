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

// Tokens, errors, limits and faults of the emulated APIs.
import { createEmulator, EmulatorHandle } from '.';
import { appAccessToken } from './__testUtils__/accessToken';
import {
  APP,
  json,
  registerCallback,
  setup,
  token,
} from './__testUtils__/emulatorTest';

// Independent implementations the emulator is checked against.
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const oauth2 = require('@alicloud/dingtalk/oauth2_1_0');
const robot = require('@alicloud/dingtalk/robot_1_0');

describe('dingtalk emulator', () => {
  let emu: EmulatorHandle;
  let group: { openConversationId: string };
  beforeEach(async () => {
    ({ emu, group } = await setup());
  });
  afterEach(async () => {
    await emu.close();
  });

  it('serves the official @alicloud/dingtalk SDK: token, one-to-one batch send and group send', async () => {
    const config = new OpenApi.Config({
      protocol: 'http',
      regionId: 'central',
      endpoint: `127.0.0.1:${emu.port}`,
    });
    const Oauth2Client = oauth2.default;
    const oauth = new Oauth2Client(config);
    const tokenResponse = await oauth.getAccessToken(
      new oauth2.GetAccessTokenRequest({
        appKey: APP.appKey,
        appSecret: APP.appSecret,
      }),
    );
    expect(tokenResponse.body.expireIn).toBe(7200);
    const accessToken = tokenResponse.body.accessToken;

    const RobotClient = robot.default;
    const client = new RobotClient(config);
    const sent = await client.batchSendOTOWithOptions(
      new robot.BatchSendOTORequest({
        robotCode: APP.appKey,
        userIds: ['u1', 'u2', 'nobody'],
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content: 'hello' }),
      }),
      new robot.BatchSendOTOHeaders({ xAcsDingtalkAccessToken: accessToken }),
      new Util.RuntimeOptions({}),
    );
    expect(sent.body.processQueryKey).toBeTruthy();
    expect(sent.body.invalidStaffIdList).toEqual(['nobody']);

    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: group.openConversationId,
    });
    const groupSent = await client.orgGroupSendWithOptions(
      new robot.OrgGroupSendRequest({
        robotCode: APP.appKey,
        openConversationId: group.openConversationId,
        msgKey: 'sampleMarkdown',
        msgParam: JSON.stringify({ title: 'T', text: '**hi**' }),
      }),
      new robot.OrgGroupSendHeaders({ xAcsDingtalkAccessToken: accessToken }),
      new Util.RuntimeOptions({}),
    );
    expect(groupSent.body.processQueryKey).toBeTruthy();
    expect(emu.control.messages({ userId: 'u1' })[0].msgParam).toEqual({
      content: 'hello',
    });
    expect(
      emu.control.messages({ openConversationId: group.openConversationId })[0]
        .msgKey,
    ).toBe('sampleMarkdown');
  });

  it('answers the old-style /gettoken and checks tokens on every call', async () => {
    const old = await json(
      emu,
      `/gettoken?appkey=${APP.appKey}&appsecret=${APP.appSecret}`,
    );
    expect(old.body).toMatchObject({ errcode: 0, expires_in: 7200 });
    const wrong = await json(
      emu,
      `/gettoken?appkey=${APP.appKey}&appsecret=nope`,
    );
    expect(wrong.body.errcode).toBe(40089);

    const bad = await json(emu, '/v1.0/robot/groupMessages/send', {
      method: 'POST',
      token: 'forged',
      body: '{}',
    });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('InvalidAuthentication');
    const badOld = await json(
      emu,
      '/topapi/v2/user/getbymobile?access_token=forged',
      { method: 'POST', body: '{"mobile":"1"}' },
    );
    // /topapi answers a token it does not accept as 鉴权异常 with a sub code
    expect(badOld.status).toBe(200);
    expect(badOld.body).toMatchObject({
      errcode: 88,
      sub_code: '40014',
      sub_msg: '不合法的access_token',
      errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]',
    });
    const byMobile = await json(
      emu,
      `/topapi/v2/user/getbymobile?access_token=${old.body.access_token}`,
      {
        method: 'POST',
        body: JSON.stringify({ mobile: '13900000002' }),
      },
    );
    expect(byMobile.body).toMatchObject({
      errcode: 0,
      result: { userid: 'u2' },
    });
  });

  it('expires tokens after 7200 seconds', async () => {
    let t = Date.now();
    const clocked = await createEmulator({ now: () => t });
    try {
      clocked.control.createApp(APP);
      const accessToken = await appAccessToken(clocked, APP);
      t += 7201 * 1000;
      const res = await registerCallback(clocked, accessToken);
      expect(res.status).toBe(401);
    } finally {
      await clocked.close();
    }
  });

  it('answers missing fields, unknown users and groups with DingTalk errors', async () => {
    const t = await token(emu);
    // A robot API call with the app's token and \`body\` as it is given.
    const robotCall = (path: string, body: object) =>
      json(emu, path, { method: 'POST', token: t, body: JSON.stringify(body) });
    const sampleText = { msgKey: 'sampleText', msgParam: '{}' };
    const missing = await robotCall('/v1.0/robot/oToMessages/batchSend', {});
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('MissingrobotCode');
    const tooMany = await robotCall('/v1.0/robot/oToMessages/batchSend', {
      robotCode: APP.appKey,
      userIds: Array.from({ length: 21 }, (_, i) => `u${i}`),
      ...sampleText,
    });
    expect(tooMany.status).toBe(400);
    const noGroup = await robotCall('/v1.0/robot/groupMessages/send', {
      robotCode: APP.appKey,
      openConversationId: 'cid-none',
      ...sampleText,
    });
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.code).toBe('resource.not.found');
    const notInstalled = await robotCall('/v1.0/robot/groupMessages/send', {
      robotCode: APP.appKey,
      openConversationId: group.openConversationId,
      ...sampleText,
    });
    expect(notInstalled.body.code).toBe('robot.not.in.group');
    const unknownMobile = await json(
      emu,
      `/topapi/v2/user/getbymobile?access_token=${t}`,
      {
        method: 'POST',
        body: JSON.stringify({ mobile: '10000000000' }),
      },
    );
    expect(unknownMobile.body.errcode).toBe(60121);
    const notJson = await fetch(
      `${emu.baseUrl}/v1.0/robot/groupMessages/send`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-acs-dingtalk-access-token': t,
        },
        body: '{"broken',
      },
    );
    expect(notJson.status).toBe(400);
  });

  it('rejects calls beyond the Standard edition QPS with the flow-control error', async () => {
    const t = await token(emu);
    // Align to the start of a wall-clock second so all 25 land in one window.
    await new Promise(r => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const results = await Promise.all(
      Array.from({ length: 25 }, () => registerCallback(emu, t)),
    );
    const rejected = results.filter(r => r.status === 403);
    expect(results.filter(r => r.status === 200)).toHaveLength(20);
    expect(rejected).toHaveLength(5);
    // per app per API (the global per-API limit would be QpsLimitForApi, 90002)
    expect(rejected[0].body.code).toBe(
      'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
    );
    expect(
      emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey],
    ).toMatchObject({ maxPerSecond: 20, rejectedQps: 5 });
  });

  it('rejects calls once the monthly quota is used up, and resets next month', async () => {
    let t = Date.UTC(2026, 10, 30, 23, 0, 0);
    const clocked = await createEmulator({ now: () => t });
    try {
      clocked.control.createApp(APP);
      const accessToken = await appAccessToken(clocked, APP);
      // a metered API (user by mobile is exempt from the quota)
      const call = () =>
        json(clocked, `/topapi/v2/user/get?access_token=${accessToken}`, {
          method: 'POST',
          body: JSON.stringify({ userid: 'nobody' }),
        });
      for (let i = 0; i < 10_000; i += 20) {
        t += 1000; // a new second for each batch of 20: under the QPS limit
        await Promise.all(Array.from({ length: 20 }, call));
      }
      const over = await call();
      expect(over.body.errcode).toBe(90020);
      t = Date.UTC(2026, 11, 1, 0, 0, 1);
      expect((await call()).body.errcode).toBe(60121);
    } finally {
      await clocked.close();
    }
    // 10,000 real HTTP calls: about 5 s on a quiet machine, many times that
    // while the other suites share its two cores.
  }, 180_000);

  it('names a missing permission', async () => {
    emu.control.updateApp(APP.appKey, { permissions: ['qyapi_robot_sendmsg'] });
    const t = await token(emu);
    const res = await json(
      emu,
      `/topapi/v2/user/getbymobile?access_token=${t}`,
      { method: 'POST', body: '{"mobile":"1"}' },
    );
    expect(res.body.errmsg).toContain('qyapi_get_member_by_mobile');
  });

  it('injects faults on a share of calls to an API', async () => {
    const t = await token(emu);
    emu.control.injectFault({
      api: 'card.callbacks.register',
      kind: '5xx',
      count: 2,
    });
    const call = () => registerCallback(emu, t);
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(200);
    emu.control.injectFault({ api: '*', kind: 'drop', share: 1 });
    await expect(call()).rejects.toThrow();
    emu.control.clearFaults();
    expect((await call()).status).toBe(200);
  });

  it('injects a token DingTalk no longer accepts, on both hosts', async () => {
    const t = await token(emu);
    emu.control.injectFault({ api: '*', kind: 'invalidToken', count: 2 });
    const oldStyle = () =>
      json(emu, `/topapi/v2/user/getbymobile?access_token=${t}`, {
        method: 'POST',
        body: JSON.stringify({ mobile: '13900000002' }),
      });
    const rejected = await oldStyle();
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ errcode: 88, sub_code: '40014' });
    const newStyle = await json(emu, '/v1.0/card/callbacks/register', {
      method: 'POST',
      token: t,
      body: JSON.stringify({ callbackRouteKey: 'k', callbackUrl: 'http://x' }),
    });
    expect(newStyle.status).toBe(401);
    expect(newStyle.body.code).toBe('InvalidAuthentication');
    expect((await oldStyle()).body.errcode).toBe(0);
  });

  it('has a control API over HTTP', async () => {
    const res = await fetch(`${emu.baseUrl}/_emulator/api/issueAuthCode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: APP.appKey, userId: 'ghost' }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toContain('unknown user');
    const health = await fetch(`${emu.baseUrl}/_emulator/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});
