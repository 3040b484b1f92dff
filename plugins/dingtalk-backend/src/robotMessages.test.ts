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

import { TestDatabases } from '@backstage/backend-test-utils';
import { type DingtalkRobotMessageEvent } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  INTEGRATION_BODY,
  userEntity,
  withDingtalkBackend,
  dingtalkConfig,
} from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';
import { capture, message, sign } from './__testUtils__/robotMessages';

jest.setTimeout(60_000);

describe('robot messages', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    async () => {
      const e = await createEmulator({ port: 0 });
      e.control.createSceneGroupTemplate({
        corpId: APP.corpId,
        templateId: 'tpl',
        botId: 'group-bot',
      });
      return e;
    },
    e => (emu = e),
  );

  const people = (transport: 'http' | 'stream') => {
    emu.control.createApp({
      ...APP,
      edition: 'standard',
      transport,
    } as any);
    for (const [userId, name, mobile] of [
      ['alice', 'Alice', '13800000001'],
      ['bob', 'Bob', '13800000002'],
      ['carol', 'Carol', '13800000003'],
    ]) {
      emu.control.createUser({ corpId: APP.corpId, userId, name, mobile });
    }
    return emu.control.createGroup({
      corpId: APP.corpId,
      title: 'SRE',
      ownerUserId: 'alice',
      memberUserIds: ['bob', 'carol'],
    });
  };

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('publishes a signed group message with its sender and mentions resolved, once, and answers in the group', async () => {
      const knex = await databases.init(databaseId);
      const group = people('http');
      const got: DingtalkRobotMessageEvent[] = [];
      await withDingtalkBackend(
        {
          knex,
          emu,
          users: [
            userEntity('alice', '13800000001'),
            userEntity('bob', '13800000002'),
          ],
          features: [capture(got)],
          integration: false,
        },
        async s => {
          const created = await request(s)
            .post('/api/dingtalk/integrations')
            .send({
              ...INTEGRATION_BODY,
              warRoom: { templateId: 'tpl', botId: 'group-bot' },
            })
            .expect(201);
          // the console URL of the robot is one of the integration's URLs
          expect(created.body.urls.robotMessageUrl).toMatch(
            /\/api\/dingtalk\/integrations\/acme\/robot-messages$/,
          );
          await request(s)
            .post('/api/dingtalk/integrations/acme/links/link-all-by-mobile')
            .expect(200);
          emu.control.updateApp(APP.appKey, {
            robotMessageUrl: `http://127.0.0.1:${s.port()}/api/dingtalk/integrations/acme/robot-messages`,
          });
          group.coolApps.push(APP.appKey);

          const sent = await emu.control.sendMessage({
            openConversationId: group.openConversationId,
            senderUserId: 'alice',
            text: '@bot assign @bob',
          });
          expect(sent.deliveries).toEqual([
            expect.objectContaining({ status: 200 }),
          ]);
          expect(got).toEqual([
            expect.objectContaining({
              integrationId: 'acme',
              corpId: APP.corpId,
              messageId: sent.msgId,
              robot: 'app',
              robotCode: APP.appKey,
              conversation: {
                type: 'group',
                openConversationId: group.openConversationId,
                title: 'SRE',
              },
              sender: {
                dingtalkUserId: 'alice',
                name: 'Alice',
                userEntityRef: 'user:default/alice',
              },
              text: 'assign @bob',
              mentions: [
                { dingtalkUserId: 'bob', userEntityRef: 'user:default/bob' },
              ],
              mentionedRobot: true,
            }),
          ]);

          // an unlinked sender arrives unlinked: the subscriber must change nothing
          await emu.control.sendMessage({
            openConversationId: group.openConversationId,
            senderUserId: 'carol',
            text: '@bot resolve',
          });
          expect(got[1].sender).toEqual({
            dingtalkUserId: 'carol',
            name: 'Carol',
            userEntityRef: null,
          });

          // DingTalk delivering the same message again is not published again
          const again = message({ msgId: sent.msgId });
          const ts = String(Date.now());
          await request(s)
            .post('/api/dingtalk/integrations/acme/robot-messages')
            .set({ timestamp: ts, sign: sign(APP.appSecret, ts) })
            .send(again)
            .expect(200);
          expect(got).toHaveLength(2);

          // the answer goes into the group as the app's robot
          const reply = await request(s)
            .post('/api/dingtalk/notify/robot-reply')
            .send({
              integrationId: 'acme',
              robot: 'app',
              conversation: {
                type: 'group',
                openConversationId: group.openConversationId,
              },
              message: { type: 'text', content: 'Handed over to bob' },
            })
            .expect(200);
          expect(reply.body.record).toMatchObject({
            outcome: 'sent',
            recipient: group.openConversationId,
          });
          expect(
            emu.control.messages({
              openConversationId: group.openConversationId,
            }),
          ).toEqual([
            expect.objectContaining({
              robotCode: APP.appKey,
              msgKey: 'sampleText',
              msgParam: { content: 'Handed over to bob' },
            }),
          ]);
          // and a direct answer to the person, as a one-to-one robot message
          await request(s)
            .post('/api/dingtalk/notify/robot-reply')
            .send({
              integrationId: 'acme',
              robot: 'app',
              conversation: { type: 'direct', dingtalkUserId: 'carol' },
              message: { type: 'text', content: 'Link your account first' },
            })
            .expect(200);
          expect(emu.control.messages({ userId: 'carol' })).toHaveLength(1);
        },
      );
    });

    it('refuses forged robot messages (missing, wrong or stale sign, another robot) and publishes nothing', async () => {
      const knex = await databases.init(databaseId);
      people('http');
      const got: DingtalkRobotMessageEvent[] = [];
      await withDingtalkBackend(
        {
          knex,
          emu,
          features: [capture(got)],
          integration: {
            ...INTEGRATION_BODY,
            warRoom: { templateId: 'tpl', botId: 'group-bot' },
          },
        },
        async s => {
          const post = (headers: Record<string, string>, body = message()) =>
            request(s)
              .post('/api/dingtalk/integrations/acme/robot-messages')
              .set(headers)
              .send(body);
          const now = String(Date.now());
          const missing = await post({});
          expect(missing.status).toBe(401);
          expect(missing.body.error.message).toMatch(
            /timestamp and sign headers are missing/,
          );
          expect((await post({ timestamp: now })).status).toBe(401);
          const wrong = await post({
            timestamp: now,
            sign: sign('not-the-secret', now),
          });
          expect(wrong.status).toBe(401);
          expect(wrong.body.error.message).toMatch(/sign does not match/);
          // the sign of another timestamp does not carry over
          const other = String(Date.now() - 1000);
          expect(
            (await post({ timestamp: now, sign: sign(APP.appSecret, other) }))
              .status,
          ).toBe(401);
          // DingTalk's own sign, but more than an hour old: a replay
          const old = String(Date.now() - 61 * 60_000);
          const stale = await post({
            timestamp: old,
            sign: sign(APP.appSecret, old),
          });
          expect(stale.status).toBe(401);
          expect(stale.body.error.message).toMatch(/more than an hour/);
          // 59 minutes is within DingTalk's hour
          const recent = String(Date.now() - 59 * 60_000);
          expect(
            (
              await post({
                timestamp: recent,
                sign: sign(APP.appSecret, recent),
              })
            ).status,
          ).toBe(200);
          expect(got).toHaveLength(1);
          // signed, but for a robot that is not this integration's
          const foreign = await post(
            { timestamp: now, sign: sign(APP.appSecret, now) },
            message({ robotCode: 'someone-elses-robot' }),
          );
          expect(foreign.status).toBe(400);
          // not a robot message at all
          expect(
            (
              await post({ timestamp: now, sign: sign(APP.appSecret, now) }, {
                hello: 1,
              } as any)
            ).status,
          ).toBe(400);
          // the war-room template's group bot is this integration's too
          expect(
            (
              await post(
                { timestamp: now, sign: sign(APP.appSecret, now) },
                message({ robotCode: 'group-bot' }),
              )
            ).status,
          ).toBe(200);
          expect(got.map(e => e.robot)).toEqual(['app', 'war-room']);
          // no integration, no secret to check against
          expect(
            (
              await request(s)
                .post('/api/dingtalk/integrations/nope/robot-messages')
                .set({ timestamp: now, sign: sign(APP.appSecret, now) })
                .send(message())
            ).status,
          ).toBe(404);
        },
      );
    });

    it('receives robot messages over Stream mode, and keeps replies to a conversation within the per-minute rate', async () => {
      const knex = await databases.init(databaseId);
      people('stream');
      const got: DingtalkRobotMessageEvent[] = [];
      await withDingtalkBackend(
        {
          knex,
          emu,
          users: [userEntity('carol', '13800000003')],
          features: [capture(got)],
          config: dingtalkConfig(emu, {
            stream: { leaseSeconds: 1.5 },
            robot: { repliesPerMinute: 2 },
          }),
          integration: { ...INTEGRATION_BODY, transport: 'stream' },
        },
        async s => {
          await request(s)
            .post('/api/dingtalk/integrations/acme/links/link-all-by-mobile')
            .expect(200);
          for (
            let i = 0;
            i < 100 &&
            emu.control.streamConnections({ appKey: APP.appKey }) !== 1;
            i++
          ) {
            await new Promise(r => setTimeout(r, 50));
          }
          const sent = await emu.control.sendMessage({
            senderUserId: 'carol',
            text: 'mine',
          });
          expect(sent.deliveries).toEqual([
            expect.objectContaining({ transport: 'stream', status: 200 }),
          ]);
          expect(got).toEqual([
            expect.objectContaining({
              conversation: { type: 'direct', dingtalkUserId: 'carol' },
              sender: expect.objectContaining({
                userEntityRef: 'user:default/carol',
              }),
              text: 'mine',
              mentionedRobot: true,
            }),
          ]);
          const outcomes: string[] = [];
          for (let i = 0; i < 3; i++) {
            const r = await request(s)
              .post('/api/dingtalk/notify/robot-reply')
              .send({
                integrationId: 'acme',
                robot: 'app',
                conversation: { type: 'direct', dingtalkUserId: 'carol' },
                message: { type: 'text', content: `reply ${i}` },
              })
              .expect(200);
            outcomes.push(r.body.record.outcome);
          }
          expect(outcomes).toEqual(['sent', 'sent', 'flow controlled']);
          expect(emu.control.messages({ userId: 'carol' })).toHaveLength(2);
        },
      );
    });
  });
});
