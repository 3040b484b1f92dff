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

import { createHmac } from 'node:crypto';
import { DWClient, TOPIC_ROBOT } from 'dingtalk-stream';
import { createEmulator, EmulatorHandle } from '.';
import { startRecordingReceiver } from './__testUtils__/recordingReceiver';
import { streamEndpoint } from './__testUtils__/streamGateway';

const APP = {
  corpId: 'dingrobotcorp',
  appKey: 'dingrobotapp',
  appSecret: 'robot-app-secret',
  agentId: '1',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'tok',
};

// An HTTP endpoint recording what DingTalk sent it.
const receiver = () => startRecordingReceiver('/robot');

function seed(emu: EmulatorHandle, app: object) {
  emu.control.createApp({ ...APP, edition: 'standard', ...app } as any);
  for (const [userId, name] of [
    ['alice', 'Alice Wang'],
    ['bob', 'Bob Li'],
    ['carol', 'Carol'],
  ]) {
    emu.control.createUser({
      corpId: APP.corpId,
      userId,
      name,
      mobile: `1390000000${userId.length}`,
    });
  }
  const group = emu.control.createGroup({
    corpId: APP.corpId,
    title: 'SRE',
    ownerUserId: 'alice',
    memberUserIds: ['bob'],
  });
  return group;
}

describe('sendMessage (a person writes to a robot)', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await createEmulator({ port: 0 });
  });
  afterEach(() => emu.close());
  // The seeded group with the app's Cool App installed, posting to the URL.
  const installedGroup = async (robotMessageUrl: string) => {
    const group = seed(emu, { robotMessageUrl });
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: group.openConversationId,
    });
    return group;
  };

  it('posts an @bot message in a group to the robot URL, signed as DingTalk signs it', async () => {
    const rx = await receiver();
    try {
      const group = await installedGroup(rx.url);
      const result = await emu.control.sendMessage({
        openConversationId: group.openConversationId,
        senderUserId: 'alice',
        text: '@bot assign @bob',
      });
      expect(result.deliveries).toEqual([
        expect.objectContaining({ transport: 'http', status: 200 }),
      ]);
      expect(rx.received).toHaveLength(1);
      const { headers, body } = rx.received[0];
      // timestamp in ms; sign = base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret))
      expect(headers.timestamp).toMatch(/^\d{13}$/);
      expect(headers.sign).toBe(
        createHmac('sha256', APP.appSecret)
          .update(`${headers.timestamp}\n${APP.appSecret}`)
          .digest('base64'),
      );
      expect(body).toMatchObject({
        msgId: result.msgId,
        msgtype: 'text',
        conversationType: '2',
        conversationId: group.openConversationId,
        conversationTitle: 'SRE',
        senderStaffId: 'alice',
        senderNick: 'Alice Wang',
        robotCode: APP.appKey,
        chatbotCorpId: APP.corpId,
        isInAtList: true,
      });
      // the robot's @name is not in the text; people's mentions are
      expect(body.text.content.trim()).toBe('assign @bob');
      expect(body.atUsers).toEqual(
        expect.arrayContaining([
          { dingtalkId: expect.any(String), staffId: 'bob' },
        ]),
      );
      expect(body.sessionWebhook).toMatch(/^http/);
      expect(
        emu.control.chatMessages({
          openConversationId: group.openConversationId,
        }),
      ).toHaveLength(1);
    } finally {
      rx.close();
    }
  });

  it('gives a group message without @bot to nobody but a war room template bot, which gets every message', async () => {
    const rx = await receiver();
    try {
      const group = await installedGroup(rx.url);
      const quiet = await emu.control.sendMessage({
        openConversationId: group.openConversationId,
        senderUserId: 'bob',
        text: 'rolling back now',
      });
      expect(quiet.deliveries).toEqual([]);

      emu.control.createSceneGroupTemplate({
        corpId: APP.corpId,
        templateId: 'tpl',
        botId: 'group-bot',
      });
      const token = await fetch(
        `${emu.baseUrl}/gettoken?appkey=${APP.appKey}&appsecret=${APP.appSecret}`,
      ).then(r => r.json() as any);
      emu.control.updateApp(APP.appKey, {
        permissions: ['qyapi_chat_manage'],
      } as any);
      const created: any = await fetch(
        `${emu.baseUrl}/topapi/im/chat/scenegroup/create?access_token=${token.access_token}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            title: 'War room',
            template_id: 'tpl',
            owner_user_id: 'alice',
            user_ids: 'bob',
          }),
        },
      ).then(r => r.json());
      const room = created.result.open_conversation_id;
      const said = await emu.control.sendMessage({
        openConversationId: room,
        senderUserId: 'bob',
        text: 'rolling back now',
      });
      expect(said.deliveries).toEqual([
        expect.objectContaining({ robotCode: 'group-bot', status: 200 }),
      ]);
      expect(rx.received.at(-1)!.body).toMatchObject({
        robotCode: 'group-bot',
        conversationId: room,
        isInAtList: false,
        text: { content: ' rolling back now' },
      });
      await expect(
        emu.control.sendMessage({
          openConversationId: room,
          senderUserId: 'carol',
          text: 'hi',
        }),
      ).rejects.toThrow(/not in the group/);
    } finally {
      rx.close();
    }
  });

  it('delivers a one-to-one message to the official dingtalk-stream client on the robot topic', async () => {
    seed(emu, { transport: 'stream' });
    class EmulatorClient extends DWClient {
      async getEndpoint() {
        (this as any).dw_url = await streamEndpoint(emu, APP, [
          { type: 'CALLBACK', topic: TOPIC_ROBOT },
        ]);
        return this;
      }
    }
    const client = new EmulatorClient({
      clientId: APP.appKey,
      clientSecret: APP.appSecret,
      keepAlive: false,
    } as any);
    const received: any[] = [];
    client.registerCallbackListener(TOPIC_ROBOT, msg => {
      received.push(JSON.parse(msg.data));
      client.socketCallBackResponse(msg.headers.messageId, {});
    });
    await client.connect();
    for (let i = 0; i < 50 && !(client as any).connected; i++)
      await new Promise(r => setTimeout(r, 20));
    try {
      const result = await emu.control.sendMessage({
        senderUserId: 'carol',
        text: 'mine',
      });
      expect(result.deliveries).toEqual([
        expect.objectContaining({
          transport: 'stream',
          status: 200,
          robotCode: APP.appKey,
        }),
      ]);
      expect(received).toEqual([
        expect.objectContaining({
          conversationType: '1',
          senderStaffId: 'carol',
          isInAtList: true,
          text: { content: ' mine' },
        }),
      ]);
    } finally {
      client.disconnect();
    }
  });
});
