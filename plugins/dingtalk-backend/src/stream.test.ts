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
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import express from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  ENCRYPTION_KEY,
  startDingtalkBackend,
  userEntity,
  INTEGRATION_BODY,
} from './__testUtils__/backend';

const integration = { ...INTEGRATION_BODY, transport: 'stream' };

async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 10_000,
): Promise<T> {
  const began = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() - began > ms) throw e;
      await new Promise(r => setTimeout(r, 50));
    }
  }
}

/** A plugin that owns cards: receives the clicks the dingtalk backend forwards. */
function cardOwnerPlugin(received: any[]) {
  return createBackendPlugin({
    pluginId: 'cardowner',
    register(env) {
      env.registerInit({
        deps: { httpRouter: coreServices.httpRouter },
        async init({ httpRouter }) {
          const router = express.Router();
          router.post('/card-action', express.json(), (req, res) => {
            received.push(req.body);
            res.json({
              message: `Acknowledged by ${req.body.userEntityRef}`,
              cardParamMap: { status: 'acknowledged' },
            });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

describe('Stream mode', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;

  beforeEach(async () => {
    emu = await createEmulator({
      pushTimeoutMs: 15_000,
      streamDisconnectGraceMs: 300,
    });
    // no eventUrl and no card callback URL: DingTalk can only reach us over the stream
    emu.control.createApp({ ...APP, edition: 'standard', transport: 'stream' });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'alice',
      name: 'Alice',
      mobile: '13800000001',
    });
  });
  afterEach(() => emu.close());

  const config = () => ({
    dingtalk: {
      apiBaseUrl: emu.baseUrl,
      oapiBaseUrl: emu.baseUrl,
      encryptionKey: ENCRYPTION_KEY,
      stream: { leaseSeconds: 1.5 },
    },
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
      const backend = await startDingtalkBackend({
        knex,
        emu,
        logger,
        users: [userEntity('alice', '13800000001')],
        config: config(),
        features: [cardOwnerPlugin(clicks)],
      });
      try {
        await request(backend.server)
          .post('/api/dingtalk/integrations')
          .send(integration)
          .expect(201);
        await eventually(() =>
          expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1),
        );

        // a Cool App install arrives as an EVENT frame and is ACKed once processed
        const g1 = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'SRE On-call',
          ownerUserId: 'alice',
          memberUserIds: [],
        });
        await expect(
          emu.control.installCoolApp({
            appKey: APP.appKey,
            openConversationId: g1.openConversationId,
          }),
        ).resolves.toMatchObject({
          delivered: true,
          transport: 'stream',
        });
        expect(await groupIds(backend.server)).toEqual([
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
          emu.control.calls({ appKey: APP.appKey, api: 'im.sceneGroups.query' })
            .byApp[APP.appKey]?.total ?? 0;
        emu.control.injectFault({
          api: 'im.sceneGroups.query',
          kind: 'latency',
          ms: 2000,
          share: 1,
          count: 1,
        });
        const g2 = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'Payments',
          ownerUserId: 'alice',
          memberUserIds: [],
        });
        const pushed = emu.control.installCoolApp({
          appKey: APP.appKey,
          openConversationId: g2.openConversationId,
        });
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
          emu.control.calls({ appKey: APP.appKey, api: 'im.sceneGroups.query' })
            .byApp[APP.appKey].total,
        ).toBe(queriesBefore + 1);
        expect(await groupIds(backend.server)).toEqual(
          expect.arrayContaining([
            `${g1.openConversationId}:SRE On-call:true`,
            `${g2.openConversationId}:Payments:true`,
          ]),
        );
        const events = await knex('dingtalk_events').where({
          integration_id: 'acme',
        });
        expect(events.map(e => `${e.event_type}:${e.status}`).sort()).toEqual([
          'im_cool_app_install:done',
          'im_cool_app_install:done',
        ]);

        // the gateway says disconnect (a deploy): we follow to a new connection, nothing is lost
        emu.control.disconnectStreams({ appKey: APP.appKey, graceful: true });
        await expect(
          emu.control.renameGroup({
            openConversationId: g1.openConversationId,
            title: 'SRE',
          }),
        ).resolves.toEqual([expect.objectContaining({ delivered: true })]);
        expect(await groupIds(backend.server)).toContain(
          `${g1.openConversationId}:SRE:true`,
        );

        // a card click comes back as a CALLBACK frame and reaches the card's owner
        await request(backend.server)
          .post('/api/dingtalk/integrations/acme/links/link-all-by-mobile')
          .expect(200);
        const sent = await request(backend.server)
          .post('/api/dingtalk/notify/send')
          .send({
            integrationId: 'acme',
            users: ['user:default/alice'],
            message: {
              type: 'card',
              outTrackId: 'incident-1',
              title: 'Checkout down',
              markdown: 'checkout-api 5xx',
              actions: [{ id: 'acknowledge', label: 'Acknowledge' }],
              callback: { pluginId: 'cardowner', path: '/card-action' },
            },
          })
          .expect(200);
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
        expect(click).toMatchObject({
          status: 200,
          response: expect.objectContaining({
            message: 'Acknowledged by user:default/alice',
          }),
        });
        expect(clicks).toEqual([
          expect.objectContaining({
            integrationId: 'acme',
            outTrackId: 'incident-1',
            action: 'acknowledge',
            dingtalkUserId: 'alice',
          }),
        ]);
        // the reply re-renders the clicker's card (others' change through the update API)
        expect(
          emu.control.cardView({ outTrackId: 'incident-1', userId: 'alice' })
            .status,
        ).toBe('acknowledged');

        // DingTalk never pushed over HTTP, and no secret was logged
        expect(emu.control.pushLog({ appKey: APP.appKey })).toEqual([]);
        const log = logger.lines.join('\n');
        for (const secret of [APP.appSecret, APP.aesKey, APP.token, 'ticket='])
          expect(log).not.toContain(secret);

        // deleting the integration closes its connection
        await request(backend.server)
          .delete('/api/dingtalk/integrations/acme')
          .expect(204);
        await eventually(() =>
          expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(0),
        );
      } finally {
        await backend.stop();
      }
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

        const g1 = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'First',
          ownerUserId: 'alice',
          memberUserIds: [],
        });
        await expect(
          emu.control.installCoolApp({
            appKey: APP.appKey,
            openConversationId: g1.openConversationId,
          }),
        ).resolves.toMatchObject({ delivered: true });

        await holder.stop();
        running.delete(holder);
        await eventually(() => {
          expect(holds(otherLog)).toBe(1);
          expect(emu.control.streamConnections({ appKey: APP.appKey })).toBe(1);
        });
        const g2 = emu.control.createGroup({
          corpId: APP.corpId,
          title: 'Second',
          ownerUserId: 'alice',
          memberUserIds: [],
        });
        await expect(
          emu.control.installCoolApp({
            appKey: APP.appKey,
            openConversationId: g2.openConversationId,
          }),
        ).resolves.toMatchObject({ delivered: true });
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
