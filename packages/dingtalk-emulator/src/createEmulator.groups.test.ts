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

// Scene groups, interactive cards, H5 auth codes and the web OAuth flow.
import { EmulatorHandle } from '.';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP, json, setup, token } from './__testUtils__/emulatorTest';

describe('dingtalk emulator', () => {
  let emu: EmulatorHandle;
  let group: { openConversationId: string };
  beforeEach(async () => {
    ({ emu, group } = await setup());
  });
  afterEach(async () => {
    await emu.close();
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
});
