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
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  startDingtalkBackend,
  userEntity,
  INTEGRATION_BODY,
  withDingtalkBackend,
  dingtalkConfig,
} from './__testUtils__/backend';
import {
  acknowledgedByAlice,
  aliceClick,
  cardOwnerPlugin,
  sendAliceCard,
} from './__testUtils__/cardCallbacks';
import { person, emulatorPerTest } from './__testUtils__/emulator';
import { eventually } from './__testUtils__/eventually';

const integration = { ...INTEGRATION_BODY, transport: 'stream' };

describe('Stream mode', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  // no eventUrl and no card callback URL: DingTalk can only reach us over the stream
  emulatorPerTest(
    {
      options: { pushTimeoutMs: 15_000, streamDisconnectGraceMs: 300 },
      app: { transport: 'stream' },
      people: [person('alice', '13800000001', 'Alice')],
    },
    e => (emu = e),
  );

  const config = () => dingtalkConfig(emu, { stream: { leaseSeconds: 1.5 } });
  // Groups of alice's; installing the app in one makes DingTalk push an event.
  const aliceGroup = (title: string) =>
    emu.control.createGroup({
      corpId: APP.corpId,
      title,
      ownerUserId: 'alice',
      memberUserIds: [],
    });
  const install = (group: { openConversationId: string }) =>
    emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: group.openConversationId,
    });
  const groupIds = async (server: any) =>
    (
      await request(server)
        .get('/api/dingtalk/integrations/acme/groups?includeUninstalled=true')
        .expect(200)
    ).body.items.map(
      (g: any) => `${g.openConversationId}:${g.title}:${g.installed}`,
    );

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('receives events and card clicks over the stream, loses none and runs none twice when the connection drops mid-event', async () => {
      const knex = await databases.init(databaseId);
      const logger = new CapturingLogger();
      const clicks: any[] = [];
      await withDingtalkBackend(
        {
          knex,
          emu,
          logger,
          users: [userEntity('alice', '13800000001')],
          config: config(),
          features: [cardOwnerPlugin(clicks)],
          integration: integration,
        },
        async s => {
          await eventually(() =>
            expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(
              1,
            ),
          );

          // a Cool App install arrives as an EVENT frame and is ACKed once processed
          const g1 = aliceGroup('SRE On-call');
          await expect(install(g1)).resolves.toMatchObject({
            delivered: true,
            transport: 'stream',
          });
          expect(await groupIds(s)).toEqual([
            `${g1.openConversationId}:SRE On-call:true`,
          ]);

          // the gateway's ping is answered
          await expect(
            emu.control.pingStreams({ appKey: APP.appKey }),
          ).resolves.toBe(1);

          // Cut the connection while the backend is processing an event (it
          // waits for DingTalk to tell it the group's title): the un-ACKed
          // frame is re-delivered on the new connection, and applied once.
          const queriesBefore =
            emu.control.calls({
              appKey: APP.appKey,
              api: 'im.sceneGroups.query',
            }).byApp[APP.appKey]?.total ?? 0;
          emu.control.injectFault({
            api: 'im.sceneGroups.query',
            kind: 'latency',
            ms: 2000,
            share: 1,
            count: 1,
          });
          const g2 = aliceGroup('Payments');
          const pushed = install(g2);
          // the event is claimed, and its title lookup is waiting on the slow answer
          await eventually(async () =>
            expect(
              await knex('dingtalk_events').where({
                event_type: 'im_cool_app_install',
              }),
            ).toHaveLength(2),
          );
          expect(emu.control.disconnectStreams({ appKey: APP.appKey })).toBe(1);
          await expect(pushed).resolves.toMatchObject({ delivered: true });
          expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1);
          expect(
            emu.control.calls({
              appKey: APP.appKey,
              api: 'im.sceneGroups.query',
            }).byApp[APP.appKey].total,
          ).toBe(queriesBefore + 1);
          expect(await groupIds(s)).toEqual(
            expect.arrayContaining([
              `${g1.openConversationId}:SRE On-call:true`,
              `${g2.openConversationId}:Payments:true`,
            ]),
          );
          const events = await knex('dingtalk_events').where({
            integration_id: 'acme',
          });
          expect(events.map(e => `${e.event_type}:${e.status}`).sort()).toEqual(
            ['im_cool_app_install:done', 'im_cool_app_install:done'],
          );

          // the gateway says disconnect (a deploy): we follow to a new connection, nothing is lost
          emu.control.disconnectStreams({ appKey: APP.appKey, graceful: true });
          await expect(
            emu.control.renameGroup({
              openConversationId: g1.openConversationId,
              title: 'SRE',
            }),
          ).resolves.toEqual([expect.objectContaining({ delivered: true })]);
          expect(await groupIds(s)).toContain(
            `${g1.openConversationId}:SRE:true`,
          );

          // a card click comes back as a CALLBACK frame and reaches the card's owner
          const sent = await sendAliceCard(s);
          expect(sent.body.results).toEqual([
            expect.objectContaining({ outcome: 'sent' }),
          ]);
          expect(
            emu.control.cards({ outTrackId: 'incident-1' })[0].callbackType,
          ).toBe('STREAM');
          const click = await emu.control.clickCardButton({
            outTrackId: 'incident-1',
            userId: 'alice',
            actionId: 'acknowledge',
          });
          expect(click).toMatchObject(acknowledgedByAlice());
          expect(clicks).toEqual([aliceClick()]);
          // the reply re-renders the clicker's card (others' change through the update API)
          expect(
            emu.control.cardView({ outTrackId: 'incident-1', userId: 'alice' })
              .status,
          ).toBe('acknowledged');

          // DingTalk never pushed over HTTP, and no secret was logged
          expect(emu.control.pushLog({ appKey: APP.appKey })).toEqual([]);
          const log = logger.lines.join('\n');
          for (const secret of [
            APP.appSecret,
            APP.aesKey,
            APP.token,
            'ticket=',
          ])
            expect(log).not.toContain(secret);

          // deleting the integration closes its connection
          await request(s)
            .delete('/api/dingtalk/integrations/acme')
            .expect(204);
          await eventually(() =>
            expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(
              0,
            ),
          );
        },
      );
    }, 60_000);

    it('keeps one connection across two replicas on one database, and the other takes over when the holder stops', async () => {
      const knexA = await databases.init(databaseId);
      // SQLite in memory is one database per connection: share it; PostgreSQL gets a second pool, like a second replica
      const knexB: Knex = databaseId.startsWith('SQLITE')
        ? knexA
        : require('knex')(knexA.client.config);
      const logA = new CapturingLogger();
      const logB = new CapturingLogger();
      const a = await startDingtalkBackend({
        knex: knexA,
        emu,
        logger: logA,
        config: config(),
      });
      const b = await startDingtalkBackend({
        knex: knexB,
        emu,
        logger: logB,
        config: config(),
      });
      const running = new Set([a, b]);
      try {
        await request(a.server)
          .post('/api/dingtalk/integrations')
          .send(integration)
          .expect(201);
        await eventually(() =>
          expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1),
        );
        // still one after several renewals by the holder and attempts by the other
        await new Promise(r => setTimeout(r, 2000));
        expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1);
        const holds = (l: CapturingLogger) =>
          l.lines.filter(line =>
            line.includes('holds the DingTalk stream connection of acme'),
          ).length;
        expect(holds(logA) + holds(logB)).toBe(1);
        const [holder, other, otherLog] = holds(logA)
          ? [a, b, logB]
          : [b, a, logA];

        const g1 = aliceGroup('First');
        await expect(install(g1)).resolves.toMatchObject({ delivered: true });

        await holder.stop();
        running.delete(holder);
        await eventually(() => {
          expect(holds(otherLog)).toBe(1);
          expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1);
        });
        const g2 = aliceGroup('Second');
        await expect(install(g2)).resolves.toMatchObject({ delivered: true });
        expect((await groupIds(other.server)).sort()).toEqual(
          [
            `${g1.openConversationId}:First:true`,
            `${g2.openConversationId}:Second:true`,
          ].sort(),
        );
      } finally {
        for (const backend of running) await backend.stop();
        if (knexB !== knexA) await knexB.destroy();
      }
    }, 60_000);
  });
});
