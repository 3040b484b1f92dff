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

import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import signalsPlugin from '@backstage/plugin-signals-backend';
import oncallPlugin from '@dingtalk-oncall/backstage-plugin-oncall-backend';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import WebSocket from 'ws';

jest.setTimeout(120_000);

const SERVICE = 'component:default/checkout-api';

/** One replica of packages/backend's live-update path on a shared database. */
// The test database's knex connection settings (host, port, user, database).
async function startReplica(connection: Record<string, any>) {
  return startTestBackend({
    features: [
      mockServices.rootConfig.factory({
        data: {
          // Long polls end after 5 s instead of 55 s, so stopping a replica
          // does not wait a minute for them; a signal within a second still
          // needs the bus's notification.
          events: { notifyTimeoutMs: 5000 },
          backend: {
            baseUrl: 'http://localhost:7007',
            database: {
              client: 'pg',
              connection,
              // Every plugin in its own schema of the one test database, as
              // two replicas of one deployment share their databases.
              pluginDivisionMode: 'schema',
            },
          },
        },
      }),
      databaseServiceFactory,
      // The events service every plugin gets in packages/backend: with the
      // events backend installed it reaches the database-backed event bus.
      eventsServiceFactory,
      catalogServiceMock.factory({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'checkout-api', namespace: 'default' },
            spec: { type: 'service', owner: 'sre', lifecycle: 'production' },
          },
        ],
      }),
      eventsPlugin,
      signalsPlugin,
      oncallPlugin,
    ],
  });
}

/** A browser's signals websocket on one replica, subscribed to one channel. */
async function subscribe(server: Server, channel: string) {
  const { port } = server.address() as AddressInfo;
  const messages: Array<{ message: any; at: number }> = [];
  // The signals backend starts taking upgrades after the first one reached
  // its router; the browser's client retries the same way.
  for (let attempt = 0; ; attempt++) {
    try {
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(
          `ws://127.0.0.1:${port}/api/signals`,
          mockCredentials.user.token(),
          { handshakeTimeout: 1000 },
        );
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      ws.on('message', data =>
        messages.push({
          message: JSON.parse(data.toString()).message,
          at: Date.now(),
        }),
      );
      ws.send(JSON.stringify({ action: 'subscribe', channel }));
      // No confirmation comes back; let the backend read the subscription.
      await new Promise(r => setTimeout(r, 200));
      return { ws, messages };
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

async function waitFor<T>(find: () => T | undefined, what: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

// Two replicas behind one load balancer: a browser's websocket is on one,
// the DingTalk click or API call that changes the incident lands on the
// other. Only a shared event bus carries the signal across; replicas share a
// PostgreSQL database (an in-memory SQLite cannot be shared), so this runs on
// PostgreSQL.
describe('live updates across replicas', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'a change on replica A reaches a signals subscriber on replica B on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const connection = (knex.client as any).config.connection;
      await knex.destroy();
      const a = await startReplica(connection);
      const b = await startReplica(connection);
      const browser = await subscribe(b.server, 'oncall:incident');
      try {
        const startedAt = Date.now();
        const created = await request(a.server)
          .post('/api/oncall/incidents')
          .send({
            title: 'Checkout down',
            severity: 'critical',
            serviceRef: SERVICE,
          })
          .expect(201);
        const id = created.body.id;
        const seen = await waitFor(
          () => browser.messages.find(m => m.message.incidentId === id),
          'the signal of the new incident on replica B',
        );
        expect(seen.message).toMatchObject({
          incidentId: id,
          serviceRef: SERVICE,
          status: 'triggered',
        });
        expect(seen.at - startedAt).toBeLessThan(1000);

        const ackAt = Date.now();
        await request(a.server)
          .post(`/api/oncall/incidents/${encodeURIComponent(id)}/acknowledge`)
          .send({})
          .expect(200);
        const acked = await waitFor(
          () =>
            browser.messages.find(
              m =>
                m.message.incidentId === id &&
                m.message.status === 'acknowledged',
            ),
          'the acknowledge signal on replica B',
        );
        expect(acked.at - ackAt).toBeLessThan(1000);
      } finally {
        browser.ws.close();
        await a.stop();
        await b.stop();
      }
    },
  );
});
