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

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import {
  APP,
  SERVICE,
  slowly,
  startOncallWithDingtalk as start,
  user,
} from '../__testUtils__/backend';
import { MOBILE, startEmulator } from '../__testUtils__/emulator';
import { current, groupWithCoolApp, onlyCardIn } from '../__testUtils__/groups';
import {
  atOnce,
  groupTarget,
  linkAllByMobile,
  raiseAlert,
  userTarget,
} from '../__testUtils__/oncallApi';
import { TestPolicy } from '../__testUtils__/policy';

jest.setTimeout(180_000);

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

describe('chat commands and the war room, end to end against the emulator', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({
      people: {
        alice: 'Alice',
        bob: 'Bob',
        carol: 'Carol',
        dave: 'Dave',
        mockdt: 'Mock',
      },
      warRoomTemplate: true,
      emulator: { port: 0 },
    });
  });
  afterEach(() => emu.close());

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('runs commands as the linked sender, refuses the unlinked and the unauthorised, and keeps the war room and the timeline in step', async () => {
      const knex = await databases.init(databaseId);
      const { server, backend } = await start(emu, {
        // dave is linked but neither a responder nor an owner of the service
        entities: [user('dave', MOBILE.dave)],
        policy: new TestPolicy({ admins: ['user:default/mock'] }),
        // the real events service (shared by the plugins, as in a backend),
        // not the test backend's per-plugin mock
        features: [
          mockServices.database.factory({ knex }),
          eventsServiceFactory,
        ],
        channelConfig: { warRoomTimeline: { maxMessageChars: 40 } },
      });
      try {
        emu.control.updateApp(APP.appKey, {
          robotMessageUrl: `http://127.0.0.1:${server.port()}/api/dingtalk/integrations/demo/robot-messages`,
        });
        const { group } = await groupWithCoolApp(emu, {
          title: 'SRE On-call',
          ownerUserId: 'alice',
          memberUserIds: ['bob', 'carol', 'dave', 'mockdt'],
        });
        await linkAllByMobile(server);
        const { id } = await raiseAlert(
          server,
          [
            atOnce(groupTarget(group.openConversationId, 'SRE On-call')),
            { delayMinutes: 30, targets: [userTarget(BOB)] },
          ],
          'am',
        );
        const card = await onlyCardIn(emu, group.openConversationId, 30_000);
        const incident = async (i = id) =>
          (await request(server).get(`/api/oncall/incidents/${i}`).expect(200))
            .body;
        const say = (
          senderUserId: string,
          text: string,
          cid = group.openConversationId,
        ) =>
          emu.control.sendMessage({
            openConversationId: cid,
            senderUserId,
            text,
          });
        const replies = (cid = group.openConversationId) =>
          emu.control
            .messages({ openConversationId: cid })
            .map(m => String(m.msgParam.content ?? m.msgParam.text));
        const lastReply = (cid?: string) => replies(cid).at(-1) ?? '';

        // an unlinked person: told why, nothing changes
        await say('carol', '@bot ack');
        expect(lastReply()).toMatch(
          /not linked to a Backstage user.*nothing was changed/s,
        );
        expect((await incident()).status).toBe('triggered');
        // a linked person who may not act on it: told why, nothing changes
        await say('dave', '@bot resolve');
        expect(lastReply()).toMatch(
          /may not resolve this incident.*not a responder/s,
        );
        expect((await incident()).status).toBe('triggered');
        // a forged message in alice's name (wrong sign) is refused before anything runs
        const ts = String(Date.now());
        await request(server)
          .post('/api/dingtalk/integrations/demo/robot-messages')
          .set({
            timestamp: ts,
            sign: createHmac('sha256', 'guess')
              .update(`${ts}\nguess`)
              .digest('base64'),
          })
          .send({
            msgId: 'forged-1',
            msgtype: 'text',
            text: { content: ' resolve' },
            conversationType: '2',
            conversationId: group.openConversationId,
            senderStaffId: 'alice',
            robotCode: APP.appKey,
            isInAtList: true,
          })
          .expect(401);
        expect((await incident()).status).toBe('triggered');

        // alice acknowledges from the chat: the last card there is the incident
        await say('alice', '@bot ack');
        expect(lastReply()).toMatch(/^Acknowledged by alice/);
        expect(await incident()).toMatchObject({
          status: 'acknowledged',
          acknowledgedBy: ALICE,
        });
        await slowly(() =>
          expect(current(emu, card).cardParamMap.status).toBe('acknowledged'),
        );
        await say('alice', '@bot 状态');
        expect(lastReply()).toMatch(/is acknowledged by alice/);
        await say('alice', '@bot snooze forever');
        expect(lastReply()).toMatch(/not a duration/);
        await say('alice', '@bot dance');
        expect(lastReply()).toMatch(/I do not know "dance"/);

        // a war room for the incident: its messages go into the timeline
        const room = await request(server)
          .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
          .send({})
          .expect(201);
        const cid = room.body.openConversationId;
        // bob becomes a responder in Backstage: he is invited and the room is told
        await request(server)
          .post(`/api/oncall/incidents/${id}/reassign`)
          .send({ assignee: BOB })
          .expect(200);
        await slowly(() => {
          expect(
            emu.control.groups().find(g => g.openConversationId === cid)
              ?.members,
          ).toContain('bob');
          expect(lastReply(cid)).toBe('bob is now the assignee (by mock).');
        });
        await say(
          'bob',
          'rolling back the deploy of checkout-api to 1.4.2 now, stand by',
          cid,
        );
        await say('bob', '@bot note rollback started', cid);
        await say('alice', '@bot 关键 DB failover done', cid);
        await say('alice', '@bot 暂停 1h', cid);
        expect(lastReply(cid)).toMatch(/^Snoozed for 60 min by alice/);
        await say('alice', '@bot mine', cid);
        expect(lastReply(cid)).toMatch(/your open incidents \(1\)/);
        // in a one-to-one chat with the robot, too
        await emu.control.sendMessage({ senderUserId: 'alice', text: '我的' });
        expect(
          emu.control.messages({ userId: 'alice' }).at(-1)?.msgParam.content,
        ).toMatch(/^alice: your open incidents \(1\):\n- "/);
        await say('alice', '@bot assign @bob', cid);
        expect(lastReply(cid)).toMatch(/^Handed over to bob/);
        // a comment made in Backstage is posted into the room
        await request(server)
          .post(`/api/oncall/incidents/${id}/comment`)
          .send({ text: 'customer comms sent' })
          .expect(200);
        await slowly(() =>
          expect(lastReply(cid)).toBe('Note from mock: customer comms sent'),
        );
        // a chat message is not the note of the command that posted it
        expect(
          replies(cid).filter(r => r.includes('rollback started')),
        ).toEqual([]);

        let timeline = (await incident()).timeline;
        const chat = timeline.filter((e: any) => e.type === 'chat-message');
        expect(chat).toEqual([
          expect.objectContaining({
            data: expect.objectContaining({
              sender: BOB,
              senderName: 'Bob',
              // cut at the integration's cap
              text: 'rolling back the deploy of checkout-api…',
              truncated: true,
              keyEvent: false,
              link: expect.stringContaining(encodeURIComponent(cid)),
            }),
          }),
          expect.objectContaining({
            actor: ALICE,
            data: expect.objectContaining({
              text: 'DB failover done',
              keyEvent: true,
            }),
          }),
        ]);
        expect(timeline).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              type: 'note',
              actor: BOB,
              message: 'rollback started',
            }),
            expect.objectContaining({ type: 'snoozed', actor: ALICE }),
            expect.objectContaining({ type: 'reassigned', actor: ALICE }),
          ]),
        );
        expect((await incident()).assignee).toBe(BOB);

        // resolving from the room: a summary with highlights and the report link
        await say('alice', '@bot resolve', cid);
        expect((await incident()).status).toBe('resolved');
        await slowly(() => {
          const summary = emu.control
            .messages({ openConversationId: cid })
            .find(m => m.msgKey === 'sampleMarkdown');
          expect(summary?.robotCode).toBe('group-bot');
          expect(String(summary?.msgParam.text)).toMatch(
            /Resolved: .*Duration: \d+ min.*Acknowledged by: alice.*rollback started.*DB failover done.*\/oncall\/incidents\//s,
          );
        });
        const report = await request(server)
          .get(`/api/oncall/incidents/${id}/report.md`)
          .expect(200);
        expect(report.headers['content-type']).toMatch(/text\/markdown/);
        expect(report.text).toMatch(/^# Post-incident report: /);
        expect(report.text).toContain(
          '**key event** Key event from user:default/alice: DB failover done',
        );
        timeline = (await incident()).timeline;
        expect(
          timeline
            .filter((e: any) => e.data?.refused)
            .map((e: any) => e.message)
            .join('\n'),
        ).toMatch(/dave|carol|Carol/);

        // declaring from the group: an owner may, someone else may not
        await say('dave', '@bot incident checkout-api 支付超时');
        expect(lastReply()).toMatch(
          /may not declare an incident for component:default\/checkout-api/,
        );
        await say('alice', '@bot 故障 checkout-api 支付超时');
        expect(lastReply()).toMatch(/^Declared "支付超时"/);
        const declared = (
          await request(server)
            .get('/api/oncall/incidents?q=支付超时')
            .expect(200)
        ).body.items;
        expect(declared).toEqual([
          expect.objectContaining({
            serviceRef: SERVICE,
            status: 'triggered',
            title: '支付超时',
          }),
        ]);
        // and it escalates: step 1 puts its card into the group
        await slowly(() =>
          expect(
            emu.control
              .cards({ openConversationId: group.openConversationId })
              .map(c => c.cardParamMap.title),
          ).toEqual(
            expect.arrayContaining([expect.stringContaining('支付超时')]),
          ),
        );
        // escalate now: step 2 (bob, 30 minutes later) runs at once
        // (by its id: the last card in the group is the one just delivered)
        await say('alice', `@bot 升级 #${declared[0].id}`);
        expect(lastReply()).toMatch(/^Escalated "支付超时"/);
        await slowly(() =>
          expect(
            emu.control.cards({ userId: 'bob' }).map(c => c.cardParamMap.title),
          ).toEqual(
            expect.arrayContaining([expect.stringContaining('支付超时')]),
          ),
        );
        await say('mockdt', '@bot incident no-such-service boom');
        expect(lastReply()).toMatch(/no-such-service/);
      } finally {
        await backend.stop();
      }
    });
  });
});
