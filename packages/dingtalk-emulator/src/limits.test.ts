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

import express from 'express';
import type { AddressInfo } from 'node:net';
import { createEmulator, EmulatorHandle } from '.';
import { appAccessToken } from './__testUtils__/accessToken';

const APP = {
  corpId: 'dinglimitcorp',
  appKey: 'dinglimitapp',
  appSecret: 'limit-secret',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'limit-token',
};
const OTHER = { ...APP, appKey: 'dinglimitother', appSecret: 'other-secret' };

describe('DingTalk limits in the emulator', () => {
  let emu: EmulatorHandle;
  let clock: number;
  let cid: string;

  const tokenOf = (app: { appKey: string; appSecret: string }) =>
    appAccessToken(emu, app);
  const newStyle = async (
    token: string,
    method: string,
    path: string,
    body: object,
  ) => {
    const res = await fetch(`${emu.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-acs-dingtalk-access-token': token,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const oldStyle = async (token: string, path: string, body: object) => {
    const res = await fetch(`${emu.baseUrl}${path}?access_token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as any;
  };
  const groupSend = (token: string, robotCode = APP.appKey) =>
    newStyle(token, 'POST', '/v1.0/robot/groupMessages/send', {
      robotCode,
      openConversationId: cid,
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: 'x' }),
    });
  const byMobile = (token: string) =>
    oldStyle(token, '/topapi/v2/user/getbymobile', { mobile: '13900000021' });

  beforeEach(async () => {
    clock = Date.UTC(2026, 11, 2, 1, 0, 0, 0);
    emu = await createEmulator({ now: () => clock });
    emu.control.createApp(APP);
    emu.control.createApp(OTHER);
    for (const userId of ['alice', 'bob']) {
      emu.control.createUser({
        corpId: APP.corpId,
        userId,
        name: userId,
        mobile: userId === 'alice' ? '13900000021' : '13900000022',
      });
    }
    cid = emu.control.createGroup({
      corpId: APP.corpId,
      title: 'Ops',
      ownerUserId: 'alice',
      memberUserIds: ['alice', 'bob'],
    }).openConversationId;
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: cid,
    });
    await emu.control.installCoolApp({
      appKey: OTHER.appKey,
      openConversationId: cid,
    });
  });
  afterEach(() => emu.close());

  it("counts QPS per app per API: one API's calls do not use another's, and the 21st of one API in a second is 90018", async () => {
    const token = await tokenOf(APP);
    emu.control.setRobotGroupRate({ perMinute: 1000 });
    const sends = await Promise.all(
      Array.from({ length: 20 }, () => groupSend(token)),
    );
    const lookups = await Promise.all(
      Array.from({ length: 20 }, () => byMobile(token)),
    );
    expect(sends.every(s => s.status === 200)).toBe(true);
    expect(lookups.every(l => l.errcode === 0)).toBe(true);
    // new style: HTTP 403 with the per-app-per-API code
    expect(await groupSend(token)).toMatchObject({
      status: 403,
      body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' },
    });
    // old style: errcode 90018
    expect(await byMobile(token)).toMatchObject({ errcode: 90018 });
    // another app's window is its own
    expect((await groupSend(await tokenOf(OTHER), OTHER.appKey)).status).toBe(
      200,
    );
    // the next second is a fresh window
    clock += 1000;
    expect((await groupSend(token)).status).toBe(200);
    expect(emu.control.calls().byApp[APP.appKey]).toMatchObject({
      maxPerSecond: 20,
      rejectedQps: 2,
    });
  });

  it('answers 90002 / QpsLimitForApi when one API is over its limit across all apps', async () => {
    emu.control.setApiQps({ api: 'robot.groupMessages.send', qps: 3 });
    const a = await tokenOf(APP);
    const b = await tokenOf(OTHER);
    expect((await groupSend(a)).status).toBe(200);
    expect((await groupSend(b, OTHER.appKey)).status).toBe(200);
    expect((await groupSend(a)).status).toBe(200);
    expect(await groupSend(b, OTHER.appKey)).toMatchObject({
      status: 403,
      body: { code: 'Forbidden.AccessDenied.QpsLimitForApi' },
    });
    emu.control.setApiQps({ api: 'user.getbymobile', qps: 1 });
    expect((await byMobile(a)).errcode).toBe(0);
    expect(await byMobile(a)).toMatchObject({ errcode: 90002 });
  });

  it('does not meter the exempt APIs: they work once the quota is used up, and do not use it', async () => {
    emu.control.createApp({
      ...APP,
      appKey: 'dinglimitsmall',
      limits: { quota: 2 },
    });
    const token = await tokenOf({ ...APP, appKey: 'dinglimitsmall' });
    const send = () =>
      newStyle(token, 'POST', '/v1.0/robot/oToMessages/batchSend', {
        robotCode: 'dinglimitsmall',
        userIds: ['alice'],
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content: 'x' }),
      });
    // an exempt call first: it does not take one of the two
    expect((await byMobile(token)).errcode).toBe(0);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(await send()).toMatchObject({
      status: 403,
      body: { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg' },
    });
    // user by mobile and user info by login code still answer
    expect((await byMobile(token)).errcode).toBe(0);
    const info = await oldStyle(token, '/topapi/v2/user/getuserinfo', {
      code: 'not-a-code',
    });
    expect(info.errcode).not.toBe(90020);
  });

  it('throttles a robot that posts more than about 20 messages a minute into one group with 130101, for minutes', async () => {
    const token = await tokenOf(APP);
    for (let i = 0; i < 20; i++) {
      clock += 100; // in different seconds of one minute: not the QPS
      expect((await groupSend(token)).status).toBe(200);
      clock += 900;
    }
    const refused = await groupSend(token);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('130101');
    // still refused after the minute has passed: throttled for minutes
    clock += 2 * 60_000;
    expect((await groupSend(token)).body.code).toBe('130101');
    // cards the robot posts into the group are refused there too
    const card = await newStyle(
      token,
      'POST',
      '/v1.0/card/instances/createAndDeliver',
      {
        cardTemplateId: 'tpl',
        outTrackId: 'throttled-card',
        cardData: { cardParamMap: { status: 'triggered' } },
        openSpaceId: `dtv1.card//IM_GROUP.${cid};IM_ROBOT.alice`,
        imGroupOpenDeliverModel: { robotCode: APP.appKey },
      },
    );
    expect(card.status).toBe(200);
    expect(card.body.result.deliverResults).toEqual([
      expect.objectContaining({
        spaceType: 'IM_GROUP',
        success: false,
        errorMsg: expect.stringContaining('130101'),
      }),
      expect.objectContaining({ spaceType: 'IM_ROBOT', success: true }),
    ]);
    // another robot (app) in the same group is not throttled
    expect((await groupSend(await tokenOf(OTHER), OTHER.appKey)).status).toBe(
      200,
    );
    // after the throttle
    clock += 4 * 60_000;
    expect((await groupSend(token)).status).toBe(200);
  });

  it("keeps a card's public data apart from each viewer's: a callback reply changes the clicker's view only, the update API everyone's", async () => {
    // the app's card callback endpoint: answers with new card data
    const appServer = express();
    appServer.use(express.json());
    appServer.post('/card', (_req, res) => {
      res.json({
        cardData: { cardParamMap: { status: 'acknowledged' } },
        userPrivateData: { cardParamMap: { message: 'You acknowledged it' } },
      });
    });
    const server = appServer.listen(0, '127.0.0.1');
    await new Promise(r => server.once('listening', r));
    try {
      const token = await tokenOf(APP);
      await newStyle(token, 'POST', '/v1.0/card/callbacks/register', {
        callbackRouteKey: 'route',
        callbackUrl: `http://127.0.0.1:${
          (server.address() as AddressInfo).port
        }/card`,
      });
      await newStyle(token, 'POST', '/v1.0/card/instances/createAndDeliver', {
        cardTemplateId: 'tpl',
        outTrackId: 'incident-1',
        callbackType: 'HTTP',
        callbackRouteKey: 'route',
        cardData: { cardParamMap: { status: 'triggered', title: 'Down' } },
        openSpaceId: `dtv1.card//IM_GROUP.${cid}`,
        imGroupOpenDeliverModel: { robotCode: APP.appKey },
      });
      expect(emu.control.cardViewers({ outTrackId: 'incident-1' })).toEqual([
        'alice',
        'bob',
      ]);
      await emu.control.clickCardButton({
        outTrackId: 'incident-1',
        userId: 'alice',
        actionId: 'acknowledge',
      });
      expect(
        emu.control.cardView({ outTrackId: 'incident-1', userId: 'alice' }),
      ).toEqual({
        status: 'acknowledged',
        title: 'Down',
        message: 'You acknowledged it',
      });
      // bob still sees the card as it was: the reply was alice's alone
      expect(
        emu.control.cardView({ outTrackId: 'incident-1', userId: 'bob' }),
      ).toEqual({ status: 'triggered', title: 'Down' });
      expect(
        emu.control.cards({ outTrackId: 'incident-1' })[0].cardParamMap,
      ).toEqual({ status: 'triggered', title: 'Down' });
      // the update API changes it for everyone
      const updated = await newStyle(token, 'PUT', '/v1.0/card/instances', {
        outTrackId: 'incident-1',
        cardData: { cardParamMap: { status: 'acknowledged' } },
        cardUpdateOptions: { updateCardDataByKey: true },
      });
      expect(updated.status).toBe(200);
      expect(
        emu.control.cardView({ outTrackId: 'incident-1', userId: 'bob' }),
      ).toMatchObject({ status: 'acknowledged' });
      // and privateData changes one person's
      await newStyle(token, 'PUT', '/v1.0/card/instances', {
        outTrackId: 'incident-1',
        privateData: { bob: { cardParamMap: { message: 'Your turn' } } },
      });
      expect(
        emu.control.cardView({ outTrackId: 'incident-1', userId: 'bob' }),
      ).toMatchObject({ message: 'Your turn' });
      expect(
        emu.control.cardView({ outTrackId: 'incident-1', userId: 'alice' }),
      ).toMatchObject({ message: 'You acknowledged it' });
    } finally {
      server.close();
    }
  });
});
