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
import { appAccessToken } from './__testUtils__/accessToken';
import { createOwnedGroup } from './__testUtils__/ownedGroup';

const APP = {
  corpId: 'dingfaultcorp',
  appKey: 'dingfaultapp',
  appSecret: 'fault-secret',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'fault-token',
};

describe('the "applied, answer lost" fault', () => {
  let emu: EmulatorHandle;
  let token: string;
  let cid: string;

  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp(APP);
    emu.control.createSceneGroupTemplate({
      corpId: APP.corpId,
      templateId: 'tpl',
      botId: 'bot',
    });
    cid = createOwnedGroup(emu, APP.corpId, 'Ops', {
      name: 'U One',
      mobile: '13900000011',
    });
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: cid,
    });
    token = await appAccessToken(emu, APP);
  });
  afterEach(() => emu.close());

  const sendToGroup = (text: string, signal?: AbortSignal) =>
    fetch(`${emu.baseUrl}/v1.0/robot/groupMessages/send`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-acs-dingtalk-access-token': token,
      },
      body: JSON.stringify({
        robotCode: APP.appKey,
        openConversationId: cid,
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content: text }),
      }),
      signal,
    });

  it('applies a new-style call and then cuts the connection', async () => {
    emu.control.injectFault({
      api: 'robot.groupMessages.send',
      kind: 'appliedTimeout',
      count: 1,
      ms: 0,
    });
    await expect(sendToGroup('first')).rejects.toThrow();
    // DingTalk did it: the message is in the group and the call was metered
    expect(
      emu.control
        .messages({ openConversationId: cid })
        .map(m => m.msgParam.content),
    ).toEqual(['first']);
    expect(
      emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi[
        'robot.groupMessages.send'
      ],
    ).toBe(1);
    // only `count` calls are affected
    expect((await sendToGroup('second')).status).toBe(200);
    expect(emu.control.messages({ openConversationId: cid })).toHaveLength(2);
  });

  it('keeps the answer back until the client gives up', async () => {
    emu.control.injectFault({
      api: 'robot.groupMessages.send',
      kind: 'appliedTimeout',
      count: 1,
      ms: 5_000,
    });
    const started = Date.now();
    await expect(
      sendToGroup('slow', AbortSignal.timeout(300)),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(emu.control.messages({ openConversationId: cid })).toHaveLength(1);
  });

  it('applies an old-style call too; its uuid makes the retry safe', async () => {
    emu.control.injectFault({
      api: 'im.chat.scenegroup.create',
      kind: 'appliedTimeout',
      count: 1,
      ms: 0,
    });
    const create = () =>
      fetch(
        `${emu.baseUrl}/topapi/im/chat/scenegroup/create?access_token=${token}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            title: 'War room',
            template_id: 'tpl',
            owner_user_id: 'u1',
            uuid: 'incident-1',
          }),
        },
      );
    await expect(create()).rejects.toThrow();
    const rooms = emu.control.groups().filter(g => g.uuid === 'incident-1');
    expect(rooms).toHaveLength(1);
    const retried = (await (await create()).json()) as any;
    expect(retried.errcode).toBe(0);
    expect(retried.result.open_conversation_id).toBe(
      rooms[0].openConversationId,
    );
    expect(
      emu.control.groups().filter(g => g.uuid === 'incident-1'),
    ).toHaveLength(1);
  });

  it('differs from `timeout`, which never runs the call', async () => {
    emu.control.injectFault({
      api: 'robot.groupMessages.send',
      kind: 'timeout',
      count: 1,
      ms: 0,
    });
    await expect(sendToGroup('lost')).rejects.toThrow();
    expect(emu.control.messages({ openConversationId: cid })).toHaveLength(0);
  });

  it('cuts the requests a `timeout` fault holds when the faults are cleared, leaving no timer behind', async () => {
    emu.control.injectFault({
      api: 'robot.groupMessages.send',
      kind: 'timeout',
      count: 1,
      ms: 60_000,
    });
    const began = Date.now();
    const sent = sendToGroup('held').then(
      () => 'answered',
      () => 'cut',
    );
    // the request reaches the fault and is held
    await new Promise(r => setTimeout(r, 300));
    emu.control.clearFaults();
    // without the fix it hangs for the fault's 60 s (past jest's timeout)
    await expect(sent).resolves.toBe('cut');
    expect(Date.now() - began).toBeLessThan(4000);
    expect(emu.control.messages({ openConversationId: cid })).toHaveLength(0);
  });
});
