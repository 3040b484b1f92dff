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

import { createEmulator, EmulatorHandle } from '.';
import { decryptFrom, signature } from './crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_APP } from './__testUtils__/testApp';
import { appAccessToken } from './__testUtils__/accessToken';

// Independent implementations the emulator is checked against.
const DingTalkEncryptor = require('dingtalk-encrypt');
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const oauth2 = require('@alicloud/dingtalk/oauth2_1_0');
const robot = require('@alicloud/dingtalk/robot_1_0');

const APP = TEST_APP;

async function setup(extra: Parameters<typeof createEmulator>[0] = {}) {
  const emu = await createEmulator({
    pushRetryDelaysMs: [50, 50],
    pushTimeoutMs: 2000,
    ...extra,
  });
  emu.control.createApp({ ...APP, edition: 'standard' });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'u1',
    name: 'User One',
    mobile: '13900000001',
  });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'u2',
    name: 'User Two',
    mobile: '13900000002',
  });
  const group = emu.control.createGroup({
    corpId: APP.corpId,
    title: 'Ops',
    ownerUserId: 'u1',
    memberUserIds: ['u2'],
  });
  return { emu, group };
}

async function json(
  emu: EmulatorHandle,
  path: string,
  init: RequestInit & { token?: string } = {},
) {
  const res = await fetch(`${emu.baseUrl}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { 'x-acs-dingtalk-access-token': init.token } : {}),
    },
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A new-style call (card callback registration) to check auth and limits with. */
const registerCallback = (emu: EmulatorHandle, accessToken: string) =>
  json(emu, '/v1.0/card/callbacks/register', {
    method: 'POST',
    token: accessToken,
    body: JSON.stringify({ callbackRouteKey: 'k', callbackUrl: 'http://x' }),
  });

async function token(emu: EmulatorHandle) {
  const { body } = await json(emu, '/v1.0/oauth2/accessToken', {
    method: 'POST',
    body: JSON.stringify({ appKey: APP.appKey, appSecret: APP.appSecret }),
  });
  return body.accessToken as string;
}

/** A tiny app server that answers pushes like a DingTalk app would. */
async function appServer(
  answer: (
    encrypt: string,
    query: URLSearchParams,
  ) => { status: number; body: unknown },
) {
  const received: Array<{
    message: string;
    encrypt: string;
    query: URLSearchParams;
  }> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const { encrypt } = JSON.parse(raw);
      received.push({
        message: decryptFrom(APP.aesKey, encrypt)!.message,
        encrypt,
        query: url.searchParams,
      });
      const out = answer(encrypt, url.searchParams);
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/events`;
  return {
    url,
    received,
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

const theirs = new DingTalkEncryptor(APP.token, APP.aesKey, APP.appKey);
const goodReply = () => ({
  status: 200,
  body: theirs.getEncryptedMap('success', String(Date.now()), 'nonce123'),
});

// Ciphertexts published beside DingTalk's DingTalkEncryptor samples (the Java
// sample's `getEncryptedMap("success", …)` output quoted in o2oa's DingTalk
// connector, and the test vector of a Deno port): fixed inputs and outputs no
// one here produced, so the emulator's decryption and signature are checked against the
// reference implementation's output, not against our own encryption.
const PUBLISHED = [
  {
    token: 'o2oa',
    aesKey: 'Nzk5ZjFiODIxMzkyNGMyNWIyMmFiZWZkNjIzNjIxYTg',
    receiverId: 'ding21016b71e78da961',
    timestamp: '1603697312745',
    nonce: '2dffdfdfdf2222',
    encrypt:
      'QH/UQCL7dUGoPQZcBf2H2u/8ImJ+6tjDOSfHle3GmMoG/zopHbD8JpXVCBFGSUFmQ3bWXIuzwyXAZCeS2kptmA==',
    signature: '502b261eda47a212db163c91322f7ddecb2e99cc',
    message: 'success',
  },
  {
    token: 'o2oa',
    aesKey: 'Nzk5ZjFiODIxMzkyNGMyNWIyMmFiZWZkNjIzNjIxYTg',
    receiverId: 'ding21016b71e78da961',
    encrypt:
      'Z129Xx+g/4RNjuplftqRsS24/FbMqS8Zy56JGpUQtL1zpVAoqhGS1PHiF5QdxQKRwzUgNg06tDylA02Lyy/W9Q==',
    message: 'success',
  },
  {
    token: 'aaaqo3IDtbgWd4uyJYtrzzz',
    aesKey: 'aaabWe22zMdfpVVF6kFsZ9E4ODL1wjjykB5ifzjLzzz',
    receiverId: 'dingn4jxcg1w9jy9exxx',
    encrypt:
      'cKVPF3fvpb646ZnKPbYn/Y5fChYt4e3OjgLbwuMSMm7fuv/Sfu0POorlMHTLide0mitKXnWk1hs/ON7onS9WcQ==',
    message: 'success',
  },
];

describe("the emulator's callback crypto", () => {
  it.each(PUBLISHED)(
    'reads the published vector for $receiverId identically',
    v => {
      expect(decryptFrom(v.aesKey, v.encrypt)).toEqual({
        message: v.message,
        receiverId: v.receiverId,
      });
      // vectors published without a signature check decryption only
      expect(
        v.signature && signature(v.token, v.timestamp!, v.nonce!, v.encrypt),
      ).toBe(v.signature);
    },
  );
});

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

  it('pushes Cool App events encrypted and signed, readable by dingtalk-encrypt, and accepts its reply', async () => {
    const server = await appServer(goodReply);
    try {
      emu.control.updateApp(APP.appKey, { eventUrl: server.url });
      const result = await emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: group.openConversationId,
      });
      expect(result).toMatchObject({ delivered: true, attempts: 1 });
      const { message, encrypt, query } = server.received[0];
      const event = JSON.parse(message);
      expect(event).toMatchObject({
        EventType: 'im_cool_app_install',
        OpenConversationId: group.openConversationId,
        CorpId: APP.corpId,
      });
      // the pushed bytes, read and verified by the independent implementation
      expect(JSON.parse(theirs.decrypt(encrypt))).toEqual(event);
      expect(query.get('signature')).toBe(
        theirs.getSignature(
          APP.token,
          query.get('timestamp'),
          query.get('nonce'),
          encrypt,
        ),
      );
      expect(query.get('signature')).toBe(
        signature(
          APP.token,
          query.get('timestamp')!,
          query.get('nonce')!,
          encrypt,
        ),
      );
    } finally {
      await server.close();
    }
  });

  it('retries a push whose answer is wrong, and stops after the schedule', async () => {
    let n = 0;
    const server = await appServer(() =>
      ++n < 3 ? { status: 200, body: { wrong: true } } : goodReply(),
    );
    try {
      emu.control.updateApp(APP.appKey, { eventUrl: server.url });
      const result = await emu.control.renameGroup({
        openConversationId: group.openConversationId,
        title: 'x',
      });
      expect(result).toEqual([]); // not installed: nobody to tell
      await emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: group.openConversationId,
      });
      expect(server.received).toHaveLength(3);
      expect(emu.control.pushLog().map(p => p.ok)).toEqual([
        false,
        false,
        true,
      ]);
      const renamed = await emu.control.renameGroup({
        openConversationId: group.openConversationId,
        title: '值班群',
      });
      expect(renamed[0].delivered).toBe(true);
      expect(JSON.parse(server.received[3].message)).toMatchObject({
        EventType: 'chat_update_title',
        Title: '值班群',
      });
    } finally {
      await server.close();
    }
  });

  it('gives up after the retry schedule when the app never answers correctly', async () => {
    const server = await appServer(() => ({ status: 500, body: {} }));
    try {
      emu.control.updateApp(APP.appKey, { eventUrl: server.url });
      const result = await emu.control.sendCheckUrl({ appKey: APP.appKey });
      expect(result).toMatchObject({ delivered: false, attempts: 3 });
      expect(JSON.parse(server.received[0].message).EventType).toBe(
        'check_url',
      );
    } finally {
      await server.close();
    }
  });

  it('creates scene groups idempotently by uuid and manages members', async () => {
    const t = await token(emu);
    emu.control.createSceneGroupTemplate({
      corpId: APP.corpId,
      templateId: 'tpl',
      botId: 'bot',
    });
    const create = () =>
      json(emu, `/topapi/im/chat/scenegroup/create?access_token=${t}`, {
        method: 'POST',
        body: JSON.stringify({
          title: 'War room',
          template_id: 'tpl',
          owner_user_id: 'u1',
          user_ids: 'u2',
          uuid: 'incident-1',
        }),
      });
    const first = await create();
    const second = await create();
    expect(first.body.errcode).toBe(0);
    expect(second.body.result).toEqual(first.body.result);
    const cid = first.body.result.open_conversation_id;
    expect(
      emu.control.groups().filter(g => g.templateId === 'tpl'),
    ).toHaveLength(1);
    const added = await json(
      emu,
      `/topapi/im/chat/scenegroup/member/add?access_token=${t}`,
      {
        method: 'POST',
        body: JSON.stringify({
          open_conversation_id: cid,
          user_ids: 'u2,nobody',
        }),
      },
    );
    expect(added.body.errcode).toBe(60121);
    const info = await json(
      emu,
      `/topapi/im/chat/scenegroup/get?access_token=${t}`,
      {
        method: 'POST',
        body: JSON.stringify({ open_conversation_id: cid }),
      },
    );
    expect(info.body.result).toMatchObject({
      title: 'War room',
      owner_staff_id: 'u1',
      template_id: 'tpl',
    });
    const noTemplate = await json(
      emu,
      `/topapi/im/chat/scenegroup/create?access_token=${t}`,
      {
        method: 'POST',
        body: JSON.stringify({
          title: 'x',
          template_id: 'missing',
          owner_user_id: 'u1',
        }),
      },
    );
    expect(noTemplate.body.errcode).not.toBe(0);
  });

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

  it('delivers cards, forwards a click to the registered callback and applies the returned update', async () => {
    const t = await token(emu);
    let callback: any;
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        callback = JSON.parse(raw);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            cardData: { cardParamMap: { status: 'acknowledged' } },
            cardUpdateOptions: { updateCardDataByKey: true },
          }),
        );
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    try {
      await json(emu, '/v1.0/card/callbacks/register', {
        method: 'POST',
        token: t,
        body: JSON.stringify({
          callbackRouteKey: 'route',
          callbackUrl: `http://127.0.0.1:${
            (server.address() as AddressInfo).port
          }/cb`,
        }),
      });
      const created = await json(emu, '/v1.0/card/instances/createAndDeliver', {
        method: 'POST',
        token: t,
        body: JSON.stringify({
          cardTemplateId: 'tpl',
          outTrackId: 'card-1',
          callbackType: 'HTTP',
          callbackRouteKey: 'route',
          cardData: {
            cardParamMap: { status: 'triggered', title: 'Disk full' },
          },
          openSpaceId: 'dtv1.card//IM_ROBOT.u1',
          imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
        }),
      });
      expect(created.body.result.deliverResults[0].success).toBe(true);
      const click = await emu.control.clickCardButton({
        outTrackId: 'card-1',
        userId: 'u1',
        actionId: 'acknowledge',
      });
      expect(click.status).toBe(200);
      expect(callback).toMatchObject({
        outTrackId: 'card-1',
        userId: 'u1',
        type: 'actionCallback',
      });
      expect(JSON.parse(callback.content).cardPrivateData.actionIds).toEqual([
        'acknowledge',
      ]);
      // the reply changed the clicker's card only (limits.test.ts)
      expect(
        emu.control.cards({ outTrackId: 'card-1' })[0].cardParamMap,
      ).toEqual({ status: 'triggered', title: 'Disk full' });
      expect(
        emu.control.cardView({ outTrackId: 'card-1', userId: 'u1' }),
      ).toMatchObject({ status: 'acknowledged' });
      const updated = await json(emu, '/v1.0/card/instances', {
        method: 'PUT',
        token: t,
        body: JSON.stringify({
          outTrackId: 'card-1',
          cardData: { cardParamMap: { status: 'resolved' } },
          cardUpdateOptions: { updateCardDataByKey: true },
        }),
      });
      expect(updated.body).toEqual({ success: true, result: true });
      expect(
        emu.control
          .cards({ userId: 'u1' })[0]
          .history.map(h => h.cardParamMap.status),
      ).toEqual(['triggered', 'resolved']);
      expect(
        emu.control.cardView({ outTrackId: 'card-1', userId: 'u1' }),
      ).toMatchObject({ status: 'resolved' });
    } finally {
      await new Promise<void>(r => server.close(() => r()));
    }
  });

  it('issues single-use H5 auth codes resolved by getuserinfo', async () => {
    const t = await token(emu);
    const { code } = emu.control.issueAuthCode({
      appKey: APP.appKey,
      userId: 'u2',
    });
    const call = () =>
      json(emu, `/topapi/v2/user/getuserinfo?access_token=${t}`, {
        method: 'POST',
        body: JSON.stringify({ code }),
      });
    expect((await call()).body.result).toMatchObject({
      userid: 'u2',
      name: 'User Two',
    });
    expect((await call()).body.errcode).toBe(40078);
  });

  it('answers group info for a Cool App group, and the web OAuth user token flow', async () => {
    const t = await token(emu);
    const info = await json(emu, '/v1.0/im/sceneGroups/query', {
      method: 'POST',
      token: t,
      body: JSON.stringify({ openConversationId: group.openConversationId }),
    });
    expect(info.body).toMatchObject({
      openConversationId: group.openConversationId,
      title: 'Ops',
      ownerUserId: 'u1',
    });
    const none = await json(emu, '/v1.0/im/sceneGroups/query', {
      method: 'POST',
      token: t,
      body: JSON.stringify({ openConversationId: 'cid-none' }),
    });
    expect(none.status).toBe(400);

    const { code } = emu.control.issueAuthCode({
      appKey: APP.appKey,
      userId: 'u1',
    });
    // The login code for a user token, as the web login's backend does it.
    const exchange = () =>
      json(emu, '/v1.0/oauth2/userAccessToken', {
        method: 'POST',
        body: JSON.stringify({
          clientId: APP.appKey,
          clientSecret: APP.appSecret,
          code,
          grantType: 'authorization_code',
        }),
      });
    const userToken = await exchange();
    expect(userToken.body).toMatchObject({
      expireIn: 7200,
      corpId: APP.corpId,
    });
    const me = await json(emu, '/v1.0/contact/users/me', {
      token: userToken.body.accessToken,
    });
    expect(me.body).toMatchObject({ nick: 'User One', mobile: '13900000001' });
    // a user token is not an app token
    const misuse = await json(emu, '/v1.0/im/sceneGroups/query', {
      method: 'POST',
      token: userToken.body.accessToken,
      body: '{}',
    });
    expect(misuse.status).toBe(401);
    const reused = await exchange();
    expect(reused.status).toBe(400);
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
