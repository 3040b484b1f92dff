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

// Event pushes to the app: encryption, signature and the retry schedule.
import { EmulatorHandle } from '.';
import { signature } from './crypto';
import {
  APP,
  appServer,
  goodReply,
  setup,
  theirs,
} from './__testUtils__/emulatorTest';

describe('dingtalk emulator', () => {
  let emu: EmulatorHandle;
  let group: { openConversationId: string };
  beforeEach(async () => {
    ({ emu, group } = await setup());
  });
  afterEach(async () => {
    await emu.close();
  });

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
});
