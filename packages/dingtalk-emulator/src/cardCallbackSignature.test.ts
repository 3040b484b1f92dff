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
import { cardCallbackSignature } from './crypto';
import { appAccessToken } from './__testUtils__/accessToken';
import { startRecordingReceiver } from './__testUtils__/recordingReceiver';
import { TEST_APP } from './__testUtils__/testApp';

// The official SDK registers the callback, as a DingTalk app would.
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const card = require('@alicloud/dingtalk/card_1_0');

const APP = TEST_APP;

// An HTTP endpoint recording what DingTalk sent it.
const receiver = () => startRecordingReceiver('/cb');

async function deliverCard(emu: EmulatorHandle, accessToken: string) {
  const res = await fetch(
    `${emu.baseUrl}/v1.0/card/instances/createAndDeliver`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-acs-dingtalk-access-token': accessToken,
      },
      body: JSON.stringify({
        cardTemplateId: 'tpl',
        outTrackId: 'card-1',
        callbackType: 'HTTP',
        callbackRouteKey: 'route',
        cardData: { cardParamMap: { status: 'triggered' } },
        openSpaceId: 'dtv1.card//IM_ROBOT.u1',
        imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
      }),
    },
  );
  expect(res.status).toBe(200);
}

describe('card callback signature', () => {
  let clock = Date.now();
  let emu: EmulatorHandle;
  let sdk: any;
  let accessToken: string;

  beforeEach(async () => {
    clock = Date.now();
    emu = await createEmulator({ now: () => clock });
    emu.control.createApp({ ...APP, edition: 'standard' });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'u1',
      name: 'User One',
      mobile: '13900000001',
    });
    const config = new OpenApi.Config({
      protocol: 'http',
      regionId: 'central',
      endpoint: `127.0.0.1:${emu.port}`,
    });
    accessToken = await appAccessToken(emu, APP);
    const CardClient = card.default;
    sdk = new CardClient(config);
  });
  afterEach(() => emu.close());

  const register = (url: string, apiSecret?: string) =>
    sdk.registerCallbackWithOptions(
      new card.RegisterCallbackRequest({
        callbackRouteKey: 'route',
        callbackUrl: url,
        apiSecret,
        forceUpdate: true,
      }),
      new card.RegisterCallbackHeaders({
        xAcsDingtalkAccessToken: accessToken,
      }),
      new Util.RuntimeOptions({}),
    );

  it('computes DingTalk’s documented example signature', () => {
    // DingTalk connection platform, "API Secret鉴权": apiSecret 123456789, timestamp 1670577222
    expect(cardCallbackSignature('123456789', '1670577222')).toBe(
      'ZxG82mXCf3Z41wNXtWP159kGkeAH/GZDftu+hDbYqac=',
    );
  });

  it('signs every HTTP card callback with the apiSecret registered through the official SDK, at its clock in ms', async () => {
    const cb = await receiver();
    try {
      await register(cb.url, 'the-registered-secret');
      await deliverCard(emu, accessToken);
      const click = await emu.control.clickCardButton({
        outTrackId: 'card-1',
        userId: 'u1',
        actionId: 'acknowledge',
      });
      expect(click.status).toBe(200);
      const { headers, body } = cb.received[0];
      expect(body).toMatchObject({ outTrackId: 'card-1', userId: 'u1' });
      expect(headers['x-ddpaas-signature-timestamp']).toBe(String(clock));
      expect(headers['x-ddpaas-signature']).toBe(
        cardCallbackSignature('the-registered-secret', String(clock)),
      );

      // a later click is signed at its own time; a re-registration changes the secret
      clock += 90_000;
      await register(cb.url, 'another-secret');
      await emu.control.clickCardButton({
        outTrackId: 'card-1',
        userId: 'u1',
        actionId: 'acknowledge',
      });
      expect(cb.received[1].headers['x-ddpaas-signature-timestamp']).toBe(
        String(clock),
      );
      expect(cb.received[1].headers['x-ddpaas-signature']).toBe(
        cardCallbackSignature('another-secret', String(clock)),
      );
    } finally {
      cb.close();
    }
  });

  it('sends no signature when the callback was registered without an apiSecret, as DingTalk does', async () => {
    const cb = await receiver();
    try {
      const registered = await register(cb.url);
      expect(registered.body.result?.apiSecret).toBeUndefined();
      await deliverCard(emu, accessToken);
      await emu.control.clickCardButton({
        outTrackId: 'card-1',
        userId: 'u1',
        actionId: 'acknowledge',
      });
      expect(cb.received[0].headers['x-ddpaas-signature']).toBeUndefined();
      expect(
        cb.received[0].headers['x-ddpaas-signature-timestamp'],
      ).toBeUndefined();
    } finally {
      cb.close();
    }
  });
});
