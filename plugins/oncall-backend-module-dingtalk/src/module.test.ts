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

import { mockCredentials } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  alertmanager,
  APP,
  eventually,
  MINUTE,
  startOncallWithDingtalk as start,
  T0,
} from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { current, groupWithCoolApp, onlyCardIn } from './__testUtils__/groups';
import {
  atOnce,
  createWebhook,
  groupTarget,
  linkAllByMobile,
  putRule,
  raiseAlert,
  userTarget,
} from './__testUtils__/oncallApi';

describe('DingTalk as an on-call channel, end to end against the emulator', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({
      people: {
        alice: 'Alice',
        bob: 'Bob',
        carol: 'Carol (no Backstage account)',
        mockdt: 'The signed-in test user',
      },
      warRoomTemplate: true,
    });
  });
  afterEach(() => emu.close());

  it('pages a group then a person, acknowledges from the card as the linked user, and keeps both cards current', async () => {
    const { backend, server, clock, tick } = await start(emu);
    try {
      const { group, installed } = await groupWithCoolApp(emu, {
        title: 'SRE On-call',
        ownerUserId: 'alice',
        memberUserIds: ['bob', 'carol'],
      });
      expect(installed).toMatchObject({ delivered: true });
      const linked = await linkAllByMobile(server);
      expect(linked.body.linked).toEqual([
        'user:default/alice',
        'user:default/bob',
        'user:default/mock',
      ]);

      // The picker's source: the channel lists the groups with the Cool App.
      const targets = await request(server)
        .get('/api/oncall/channels/dingtalk/targets?q=sre')
        .expect(200);
      expect(targets.body.items).toEqual([
        expect.objectContaining({
          id: group.openConversationId,
          title: 'SRE On-call',
          integrationId: 'demo',
        }),
      ]);

      const { token, id } = await raiseAlert(server, [
        atOnce(groupTarget(group.openConversationId, 'SRE On-call')),
        { delayMinutes: 5, targets: [userTarget('user:default/alice')] },
      ]);

      // step 1: the group gets the card
      const groupCard = await onlyCardIn(emu, group.openConversationId);
      expect(groupCard.cardParamMap).toMatchObject({
        status: 'triggered',
        severity: 'critical',
        title: '[CRITICAL] Checkout error rate above 5%',
      });
      expect(
        JSON.parse(groupCard.cardParamMap.actions).map((a: any) => a.id),
      ).toEqual([
        'acknowledge',
        'resolve',
        'snooze',
        'snooze',
        'snooze',
        'open',
      ]);
      expect(emu.control.cards({ userId: 'alice' })).toHaveLength(0);

      // nobody acts: five minutes later alice gets it
      clock.now = T0 + 6 * MINUTE;
      await tick();
      await eventually(() =>
        expect(emu.control.cards({ userId: 'alice' })).toHaveLength(1),
      );
      const aliceCard = emu.control.cards({ userId: 'alice' })[0];

      // carol is in the group but has no linked account: nothing changes
      const refused = await emu.control.clickCardButton({
        outTrackId: groupCard.outTrackId,
        userId: 'carol',
        actionId: 'acknowledge',
      });
      expect((refused.response as any).message).toContain(
        'Link your DingTalk account',
      );
      expect(
        (await request(server).get(`/api/oncall/incidents/${id}`)).body.status,
      ).toBe('triggered');

      // alice acknowledges from her card
      const click = await emu.control.clickCardButton({
        outTrackId: aliceCard.outTrackId,
        userId: 'alice',
        actionId: 'acknowledge',
      });
      expect(click.status).toBe(200);
      const incident = (
        await request(server).get(`/api/oncall/incidents/${id}`)
      ).body;
      expect(incident).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'user:default/alice',
      });
      expect(incident.timeline.map((t: any) => t.message).join('\n')).toContain(
        'carol',
      );
      await eventually(() => {
        expect(current(emu, groupCard).cardParamMap.status).toBe(
          'acknowledged',
        );
        expect(current(emu, aliceCard).cardParamMap.status).toBe(
          'acknowledged',
        );
      });

      // a war room for the incident, opened by the signed-in user (mock)
      const room = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .send({});
      expect(room.status).toBe(201);
      const rooms = emu.control.groups().filter(g => g.templateId === 'tpl');
      expect(rooms).toHaveLength(1);
      expect(rooms[0].ownerUserId).toBe('mockdt');
      expect(rooms[0].members).toEqual(expect.arrayContaining(['alice']));
      // The template's group bot posts the incident card into the war room.
      const [roomCard] = emu.control.cards({
        openConversationId: rooms[0].openConversationId,
      });
      expect(roomCard).toMatchObject({
        groupRobotCode: 'group-bot',
        cardParamMap: expect.objectContaining({ status: 'acknowledged' }),
      });
      // Its buttons act on the incident: alice snoozes it from the war room.
      const snoozed = await emu.control.clickCardButton({
        outTrackId: roomCard.outTrackId,
        userId: 'alice',
        actionId: 'snooze',
        params: { minutes: '30' },
      });
      expect((snoozed.response as any).message).toContain('Snoozed');
      expect(
        (
          await request(server)
            .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
            .send({})
        ).body.openConversationId,
      ).toBe(rooms[0].openConversationId);
      await eventually(() =>
        expect(
          JSON.parse(current(emu, groupCard).cardParamMap.actions).map(
            (a: any) => a.id,
          ),
        ).toContain('war-room'),
      );
      // A group named in the body must look like one; the reason comes back.
      const bad = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .send({ openConversationId: 'not a group; drop table' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('openConversationId');
      const unknownKey = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .send({ owner: 'x' });
      expect(unknownKey.status).toBe(400);
      const anonymous = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .set('authorization', mockCredentials.none.header())
        .send({ openConversationId: rooms[0].openConversationId });
      expect(anonymous.status).toBe(401);
      const withRoom = (
        await request(server).get(`/api/oncall/incidents/${id}`)
      ).body;
      expect(withRoom.timeline.map((t: any) => t.message).join('\n')).toContain(
        'DingTalk war room created',
      );

      // escalation stopped: no more cards later
      const cardsBefore = emu.control.cards().length;
      clock.now = T0 + 120 * MINUTE;
      await tick();
      expect(emu.control.cards()).toHaveLength(cardsBefore);

      // the alert clears; the incident resolves and the cards say so
      await request(server)
        .post(`/api/oncall/alerts/${token}`)
        .send(alertmanager('resolved'))
        .expect(202);
      await eventually(() => {
        expect(current(emu, groupCard).cardParamMap.status).toBe('resolved');
        expect(current(emu, aliceCard).cardParamMap.status).toBe('resolved');
      });
      expect(
        JSON.parse(current(emu, groupCard).cardParamMap.actions).map(
          (a: any) => a.id,
        ),
      ).toEqual(['war-room', 'open']);
      // The war room's own card follows the incident too.
      expect(current(emu, roomCard).cardParamMap.status).toBe('resolved');
    } finally {
      await backend.stop();
    }
  }, 60_000);

  it('works the same over Stream mode: the Cool App install and the Acknowledge click arrive on the stream', async () => {
    emu.control.updateApp(APP.appKey, { transport: 'stream' });
    const { backend, server } = await start(emu, { transport: 'stream' });
    try {
      const { group, installed } = await groupWithCoolApp(emu, {
        title: 'SRE On-call',
        ownerUserId: 'alice',
        memberUserIds: ['bob'],
      });
      expect(installed).toMatchObject({ delivered: true, transport: 'stream' });
      const targets = await request(server)
        .get('/api/oncall/channels/dingtalk/targets?q=sre')
        .expect(200);
      expect(targets.body.items).toEqual([
        expect.objectContaining({
          id: group.openConversationId,
          title: 'SRE On-call',
        }),
      ]);
      await linkAllByMobile(server);
      const { id } = await raiseAlert(server, [
        atOnce(groupTarget(group.openConversationId, 'SRE On-call')),
      ]);

      const card = await onlyCardIn(emu, group.openConversationId);
      expect(card.callbackType).toBe('STREAM');
      const click = await emu.control.clickCardButton({
        outTrackId: card.outTrackId,
        userId: 'bob',
        actionId: 'acknowledge',
      });
      expect((click.response as any).message).toContain('Acknowledged');
      expect(
        (await request(server).get(`/api/oncall/incidents/${id}`)).body,
      ).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'user:default/bob',
      });
      await eventually(() =>
        expect(current(emu, card).cardParamMap.status).toBe('acknowledged'),
      );
      // No URL was ever given to DingTalk: everything came over the stream.
      expect(emu.state.apps.get(APP.appKey)?.eventUrl).toBeUndefined();
      expect(emu.state.apps.get(APP.appKey)?.cardCallbackUrl).toBeUndefined();
    } finally {
      await backend.stop();
    }
  }, 60_000);

  it('survives a storm of 1,000 alerts on a Standard app with digests: no flow control, far fewer calls, every incident accounted for', async () => {
    const { backend, server, flushDigests } = await start(emu, {
      aggregation: { maxCardsPerMinute: 20, digestSeconds: 1 },
    });
    try {
      const { group } = await groupWithCoolApp(emu, {
        title: 'Storm',
        ownerUserId: 'alice',
        memberUserIds: [],
      });
      await putRule(server, [atOnce(groupTarget(group.openConversationId))], {
        name: 'Storm',
      });
      const token = await createWebhook(server, 'storm');
      const before = emu.control.calls().byApp[APP.appKey].total;
      for (let i = 0; i < 1000; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            request(server)
              .post(`/api/oncall/alerts/${token}`)
              .send(alertmanager('firing', `fp-${i + j}`, `Alert ${i + j}`))
              .expect(202),
          ),
        );
      }
      const pages = await Promise.all(
        [0, 500].map(offset =>
          request(server).get(
            `/api/oncall/incidents?limit=500&offset=${offset}`,
          ),
        ),
      );
      expect(pages[0].body.totalCount).toBe(1000);
      const ids: string[] = pages.flatMap(p =>
        p.body.items.map((i: any) => i.id),
      );
      expect(new Set(ids).size).toBe(1000);
      // Every incident's timeline says what DingTalk delivery it got
      // (a card, or a place in a digest): none is silently dropped.
      const outcomes = new Map<string, number>();
      await eventually(async () => {
        outcomes.clear();
        for (let i = 0; i < ids.length; i += 50) {
          const details = await Promise.all(
            ids
              .slice(i, i + 50)
              .map(id => request(server).get(`/api/oncall/incidents/${id}`)),
          );
          for (const d of details) {
            const n = d.body.timeline.find(
              (t: any) => t.type === 'notification' && t.data?.outcome,
            );
            expect(n).toBeDefined();
            outcomes.set(
              n.data.outcome,
              (outcomes.get(n.data.outcome) ?? 0) + 1,
            );
          }
        }
      }, 60_000);
      // eslint-disable-next-line no-console
      console.log(
        `storm outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`,
      );
      expect(
        (outcomes.get('sent') ?? 0) + (outcomes.get('aggregated') ?? 0),
      ).toBe(1000);
      // the digest goes out within its window (30 s by default, 1 s here),
      // and each merged incident's timeline says which digest it was in
      await eventually(async () => {
        await flushDigests();
        const digests = emu.control
          .cards({ openConversationId: group.openConversationId })
          .filter(c => c.cardParamMap.status === 'digest');
        expect(digests.length).toBeGreaterThan(0);
      }, 20_000);
      await eventually(async () => {
        // every incident that was merged has the digest it went out in
        const sample = await Promise.all(
          ids
            .slice(0, 100)
            .map(id => request(server).get(`/api/oncall/incidents/${id}`)),
        );
        const merged = sample.filter(d =>
          d.body.timeline.some((t: any) => t.data?.outcome === 'aggregated'),
        );
        expect(merged.length).toBeGreaterThan(0);
        expect(
          merged.filter(d => !d.body.timeline.some((t: any) => t.data?.digest)),
        ).toEqual([]);
      }, 20_000);
      const calls = emu.control.calls().byApp[APP.appKey];
      const used = calls.total - before;
      // eslint-disable-next-line no-console
      console.log(
        `storm: 1000 incidents, ${used} DingTalk calls, max ${calls.maxPerSecond}/s, ${calls.rejectedQps} flow-control errors`,
      );
      expect(calls.rejectedQps).toBe(0);
      expect(used).toBeLessThan(200);
    } finally {
      await backend.stop().catch(() => undefined);
    }
  }, 180_000);
});
