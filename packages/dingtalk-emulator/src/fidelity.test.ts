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
import { createOwnedGroup } from './__testUtils__/ownedGroup';

// DingTalk's official SDK: its models are what real answers look like.
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const oauth2 = require('@alicloud/dingtalk/oauth2_1_0');
const im = require('@alicloud/dingtalk/im_1_0');

const Oauth2Client = oauth2.default;
const ImClient = im.default;

const APP = {
  corpId: 'dingfidelitycorp',
  appKey: 'dingfidelityapp',
  appSecret: 'fidelity-secret',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'tok',
};

describe('request and answer shapes as DingTalk has them', () => {
  let emu: EmulatorHandle;
  let cid: string;
  let config: any;
  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp(APP);
    cid = createOwnedGroup(emu, APP.corpId, 'Ops', {
      name: 'User One',
      mobile: '13900000031',
    });
    config = new OpenApi.Config({
      protocol: 'http',
      regionId: 'central',
      endpoint: `127.0.0.1:${emu.port}`,
    });
  });
  afterEach(() => emu.close());

  const appToken = async () =>
    (
      await new Oauth2Client(config).getAccessToken(
        new oauth2.GetAccessTokenRequest({
          appKey: APP.appKey,
          appSecret: APP.appSecret,
        }),
      )
    ).body.accessToken as string;

  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${emu.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { 'x-acs-dingtalk-access-token': token } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('answers the scene group query with the SDK model fields', async () => {
    const token = await appToken();
    const info = await new ImClient(config).getSceneGroupInfoWithOptions(
      new im.GetSceneGroupInfoRequest({ openConversationId: cid }),
      new im.GetSceneGroupInfoHeaders({ xAcsDingtalkAccessToken: token }),
      new Util.RuntimeOptions({}),
    );
    expect(info.body).toMatchObject({
      success: true,
      openConversationId: cid,
      title: 'Ops',
      ownerUserId: 'u1',
      status: 1,
    });
    expect(info.body.groupUrl).toMatch(/^dingtalk:\/\//);
    // nothing the model does not have
    const raw = await post(
      '/v1.0/im/sceneGroups/query',
      { openConversationId: cid },
      token,
    );
    const modelFields = Object.keys(im.GetSceneGroupInfoResponseBody.names());
    for (const key of Object.keys(raw.body)) expect(modelFields).toContain(key);
  });

  it('requires cardData on createAndDeliver, as DingTalk does', async () => {
    const token = await appToken();
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: cid,
    });
    const request = {
      cardTemplateId: 't',
      outTrackId: 'o-1',
      openSpaceId: `dtv1.card//IM_GROUP.${cid}`,
      callbackType: 'STREAM',
    };
    const missing = await post(
      '/v1.0/card/instances/createAndDeliver',
      request,
      token,
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      code: 'MissingcardData',
      message: 'cardData is mandatory for this action.',
    });
    expect(emu.control.cards()).toEqual([]);
    const created = await post(
      '/v1.0/card/instances/createAndDeliver',
      { ...request, cardData: { cardParamMap: {} } },
      token,
    );
    expect(created.status).toBe(200);
  });

  it('checks grantType on the user token API and honours refresh tokens', async () => {
    const client = new Oauth2Client(config);
    const { code } = emu.control.issueAuthCode({
      appKey: APP.appKey,
      userId: 'u1',
    });
    const base = { clientId: APP.appKey, clientSecret: APP.appSecret, code };
    const noGrant = await post('/v1.0/oauth2/userAccessToken', base);
    expect(noGrant.status).toBe(400);
    expect(noGrant.body.code).toBe('MissinggrantType');
    const badGrant = await post('/v1.0/oauth2/userAccessToken', {
      ...base,
      grantType: 'client_credentials',
    });
    expect(badGrant.status).toBe(400);
    expect(badGrant.body.code).toBe('InvalidParameter.grantType');
    const noCode = await post('/v1.0/oauth2/userAccessToken', {
      ...base,
      code: undefined,
      grantType: 'authorization_code',
    });
    expect(noCode.body.code).toBe('Missingcode');

    // the code was not used up by the refused calls
    const first = await client.getUserToken(
      new oauth2.GetUserTokenRequest({
        ...base,
        grantType: 'authorization_code',
      }),
    );
    expect(first.body.accessToken).toBeTruthy();
    const refreshed = await client.getUserToken(
      new oauth2.GetUserTokenRequest({
        clientId: APP.appKey,
        clientSecret: APP.appSecret,
        grantType: 'refresh_token',
        refreshToken: first.body.refreshToken,
      }),
    );
    const me = await fetch(`${emu.baseUrl}/v1.0/contact/users/me`, {
      headers: { 'x-acs-dingtalk-access-token': refreshed.body.accessToken },
    });
    expect(((await me.json()) as any).nick).toBe('User One');
    // a refresh token is replaced by the one it returned
    const reused = await post('/v1.0/oauth2/userAccessToken', {
      clientId: APP.appKey,
      clientSecret: APP.appSecret,
      grantType: 'refresh_token',
      refreshToken: first.body.refreshToken,
    });
    expect(reused.status).toBe(400);
  });
});
