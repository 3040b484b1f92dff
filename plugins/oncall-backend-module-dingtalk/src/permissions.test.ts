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
import {
  type AuditorService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  SERVICE,
  startOncallWithDingtalk as start,
  user,
} from './__testUtils__/backend';
import { MOBILE, startEmulator } from './__testUtils__/emulator';
import { current, groupWithCoolApp, onlyCardIn } from './__testUtils__/groups';
import {
  atOnce,
  groupTarget,
  linkAllByMobile,
  raiseAlert,
} from './__testUtils__/oncallApi';
import { TestPolicy } from './__testUtils__/policy';

const READER = 'user:default/reader';
const ALICE = 'user:default/alice';
const as = (ref: string) => mockCredentials.user.header(ref);

type AuditRecord = { meta?: Record<string, unknown>; outcome?: string };

function recordingAuditor(events: AuditRecord[]) {
  return createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory(): AuditorService {
      return {
        async createEvent(options) {
          const record: AuditRecord = {
            meta: options.meta as Record<string, unknown>,
          };
          events.push(record);
          return {
            async success() {
              record.outcome = 'success';
            },
            async fail() {
              record.outcome = 'failure';
            },
          };
        },
      };
    },
  });
}

describe('DingTalk clicks and war rooms under a real permission policy', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({
      people: ['alice', 'reader', 'mockdt'],
      warRoomTemplate: true,
    });
  });
  afterEach(() => emu.close());

  it('refuses a read-only linked user from a card and on the war-room route, and only the dingtalk plugin may forward clicks', async () => {
    const events: AuditRecord[] = [];
    const { backend, server } = await start(emu, {
      entities: [user('reader', MOBILE.reader)],
      // mock is the admin who sets things up; reader may only read
      policy: new TestPolicy({ admins: ['user:default/mock', ALICE] }),
      features: [recordingAuditor(events)],
    });
    try {
      const { group } = await groupWithCoolApp(emu, {
        title: 'SRE On-call',
        ownerUserId: 'alice',
        memberUserIds: ['reader'],
      });
      const linked = await linkAllByMobile(server);
      expect(linked.body.linked).toContain(READER);
      const { id } = await raiseAlert(server, [
        atOnce(groupTarget(group.openConversationId)),
      ]);
      const card = await onlyCardIn(emu, group.openConversationId);
      const incident = async (incidentId = id) =>
        (
          await request(server)
            .get(`/api/oncall/incidents/${incidentId}`)
            .set('authorization', as(READER))
            .expect(200)
        ).body;

      // reader is linked, sees the card in the group, and clicks: refused
      for (const actionId of ['acknowledge', 'resolve', 'snooze']) {
        const click = await emu.control.clickCardButton({
          outTrackId: card.outTrackId,
          userId: 'reader',
          actionId,
          params: actionId === 'snooze' ? { minutes: '30' } : undefined,
        });
        expect((click.response as any).message).toMatch(
          new RegExp(
            `^You may not ${actionId} this incident: user:default/reader is not a responder of this incident, not in the owners of ${SERVICE}`,
          ),
        );
      }
      const after = await incident();
      expect(after).toMatchObject({ status: 'triggered' });
      expect(after.acknowledgedBy).toBeUndefined();
      expect(after.snoozedUntil).toBeUndefined();
      expect(
        after.timeline
          .filter((t: any) => t.data?.refused)
          .map((t: any) => [t.actor, t.data.action]),
      ).toEqual([
        [READER, 'acknowledge'],
        [READER, 'resolve'],
        [READER, 'snooze'],
      ]);
      expect(after.timeline.map((t: any) => t.message).join('\n')).toContain(
        `${READER} tried to acknowledge the incident via DingTalk: refused`,
      );
      expect(current(emu, card).cardParamMap.status).toBe('triggered');

      // Another plugin's service token cannot forward a click as anyone.
      const forged = await request(server)
        .post('/api/oncall/dingtalk/card-actions')
        .set(
          'authorization',
          mockCredentials.service.header({
            onBehalfOf: mockCredentials.service('plugin:catalog'),
            targetPluginId: 'oncall',
          }),
        )
        .send({
          integrationId: 'demo',
          outTrackId: card.outTrackId,
          action: 'acknowledge',
          dingtalkUserId: 'alice',
          userEntityRef: ALICE,
        });
      expect(forged.status).toBe(403);
      expect(forged.body.error.message).toContain('plugin:dingtalk only');
      expect((await incident()).status).toBe('triggered');

      // War rooms: reader may not open or adopt one; nor may a bare service.
      for (const body of [{}, { openConversationId: group.openConversationId }])
        expect(
          (
            await request(server)
              .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
              .set('authorization', as(READER))
              .send(body)
          ).status,
        ).toBe(403);
      const bare = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .set(
          'authorization',
          mockCredentials.service.header({
            onBehalfOf: mockCredentials.service('plugin:scaffolder'),
            targetPluginId: 'oncall',
          }),
        )
        .send({ openConversationId: group.openConversationId });
      expect(bare.status).toBe(403);
      expect(bare.body.error.message).toContain("the user's credentials");

      // alice may, but only with a group of this integration
      const otherCorp = emu.control.createGroup({
        corpId: 'othercorp',
        title: 'Somewhere else',
        ownerUserId: 'eve',
        memberUserIds: [],
      });
      const notInstalled = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'No app here',
        ownerUserId: 'alice',
        memberUserIds: [],
      });
      for (const openConversationId of [
        otherCorp.openConversationId,
        notInstalled.openConversationId,
        'cid-unknown',
      ]) {
        const res = await request(server)
          .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
          .set('authorization', as(ALICE))
          .send({ openConversationId });
        expect(res.status).toBe(403);
        expect(res.body.error.message).toContain(
          `Group ${openConversationId} does not belong to the DingTalk integration 'demo'`,
        );
      }
      for (const g of [otherCorp, notInstalled])
        expect(
          emu.control.cards({ openConversationId: g.openConversationId }),
        ).toHaveLength(0);
      expect(
        (await incident()).timeline.map((t: any) => t.message).join('\n'),
      ).not.toContain('war room');

      const room = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .set('authorization', as(ALICE))
        .send({});
      expect(room.status).toBe(201);
      const [sceneGroup] = emu.control
        .groups()
        .filter(g => g.templateId === 'tpl');
      expect(sceneGroup.ownerUserId).toBe('alice');
      // a war room of the integration's template may be adopted (the
      // scaffolder's case), and so may a group with the app installed
      const other = (
        await request(server)
          .post('/api/oncall/incidents')
          .send({ title: 'Second', serviceRef: SERVICE })
          .expect(201)
      ).body.id;
      // The caller's url is not the room's link: the DingTalk client would
      // follow a dingtalk:// page link to any web page.
      const adopted = await request(server)
        .post(`/api/oncall/dingtalk/incidents/${other}/war-room`)
        .set('authorization', as(ALICE))
        .send({
          openConversationId: sceneGroup.openConversationId,
          url: 'dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fevil.example',
        })
        .expect(201);
      expect(adopted.body.url).toBe(
        `dingtalk://dingtalkclient/page/link?openConversationId=${encodeURIComponent(
          sceneGroup.openConversationId,
        )}`,
      );
      expect(JSON.stringify(await incident(other))).not.toContain('evil');
      await request(server)
        .post(`/api/oncall/dingtalk/incidents/${id}/war-room`)
        .set('authorization', as(ALICE))
        .send({ openConversationId: group.openConversationId })
        .expect(201);

      // alice owns checkout-api through sre: her click goes through
      const ack = await emu.control.clickCardButton({
        outTrackId: card.outTrackId,
        userId: 'alice',
        actionId: 'acknowledge',
      });
      expect((ack.response as any).message).toBe(
        `Acknowledged as ${ALICE} via DingTalk`,
      );
      expect(await incident()).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: ALICE,
      });
      const dingtalkEvents = events
        .filter(e => e.meta?.channel === 'dingtalk')
        .map(e => [e.meta?.actionType, e.meta?.actor, e.meta?.via, e.outcome]);
      expect(dingtalkEvents).toEqual([
        ['acknowledge', READER, 'DingTalk', 'failure'],
        ['resolve', READER, 'DingTalk', 'failure'],
        ['snooze', READER, 'DingTalk', 'failure'],
        ['acknowledge', ALICE, 'DingTalk', 'success'],
      ]);
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
