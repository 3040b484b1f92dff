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
import request from 'supertest';
import { startOncallBackend } from './__testUtils__/backend';
import { capturedLogs } from './__testUtils__/loggedBackend';

jest.setTimeout(60_000);

const SERVICE_PATH = encodeURIComponent('component:default/payments');
const EVENT = { title: 'Disk full', alertKey: 'disk' };

describe('alert webhook tokens', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  async function start() {
    const knex = await databases.init('SQLITE_3');
    const logged = capturedLogs();
    const { backend, server: s } = await startOncallBackend(knex, {
      features: [logged.factory],
    });
    logged.attachAccessLog(s);
    const hook = await request(s)
      .post(`/api/oncall/services/${SERVICE_PATH}/webhooks`)
      .send({ name: 'prometheus' });
    expect(hook.status).toBe(201);
    return { backend, s, logged, token: hook.body.token as string };
  }

  it('accepts the token as Authorization: Bearer, and refuses a missing or wrong one with 401', async () => {
    const { backend, s, token } = await start();
    try {
      const ok = await request(s)
        .post('/api/oncall/alerts')
        .set('Authorization', `Bearer ${token}`)
        .send(EVENT);
      expect(ok.status).toBe(202);
      expect(ok.body.results[0].action).toBe('created');
      // What a Grafana Alerting webhook contact point sends, with its
      // "Authorization header" settings (scheme Bearer, the token).
      const grafana = await request(s)
        .post('/api/oncall/alerts')
        .set('Authorization', `Bearer ${token}`)
        .send({
          receiver: 'backstage',
          status: 'firing',
          orgId: 1,
          alerts: [
            {
              status: 'firing',
              labels: { alertname: 'DiskFull', severity: 'critical' },
              annotations: { summary: 'Disk full on db-1' },
              startsAt: '2026-01-01T00:00:00Z',
              fingerprint: 'c6eb3e1c4b1d9a06',
              dashboardURL: '',
              values: { A: 97 },
            },
          ],
          groupLabels: { alertname: 'DiskFull' },
          commonLabels: { alertname: 'DiskFull' },
          externalURL: 'https://grafana.example.com/',
          version: '1',
          groupKey: '{}:{alertname="DiskFull"}',
          truncatedAlerts: 0,
          title: '[FIRING:1] DiskFull',
          state: 'alerting',
          message: 'Disk full on db-1',
        });
      expect(grafana.status).toBe(202);
      expect(grafana.body.results[0]).toMatchObject({
        alertKey: 'c6eb3e1c4b1d9a06',
        action: 'created',
      });
      const missing = await request(s).post('/api/oncall/alerts').send(EVENT);
      expect(missing.status).toBe(401);
      expect(missing.body.error.message).toContain('Missing webhook token');
      for (const header of [
        `Bearer ${token}x`,
        `Bearer ocw_${'A'.repeat(43)}`,
        `Basic ${token}`,
        token,
      ]) {
        const wrong = await request(s)
          .post('/api/oncall/alerts')
          .set('Authorization', header)
          .send(EVENT);
        expect([header, wrong.status]).toEqual([header, 401]);
      }
    } finally {
      await backend.stop();
    }
  });

  it('keeps the path form working, and its token out of every log line', async () => {
    const { backend, s, logged, token } = await start();
    try {
      const ok = await request(s)
        .post(`/api/oncall/alerts/${token}`)
        .send(EVENT);
      expect(ok.status).toBe(202);
      expect(ok.body.results[0].action).toBe('created');
      // Refused before the token is looked at, and refused for the token.
      expect(
        (
          await request(s)
            .post(`/api/oncall/alerts/${token}`)
            .send({ title: 'a\u0000b' })
        ).status,
      ).toBe(400);
      expect(
        (
          await request(s)
            .post(`/api/oncall/alerts/${token}?x=1`)
            .set('content-type', 'application/json')
            .send('{not json')
        ).status,
      ).toBe(400);
      const unknown = `ocw_${'B'.repeat(43)}`;
      expect(
        (await request(s).post(`/api/oncall/alerts/${unknown}`).send(EVENT))
          .status,
      ).toBe(401);

      const access = logged.lines.filter(l =>
        l.includes('POST /api/oncall/alerts/'),
      );
      expect(access.length).toBeGreaterThanOrEqual(4);
      expect(access[0]).toContain('/api/oncall/alerts/<redacted>');
      for (const line of logged.lines) {
        expect(line).not.toContain(token);
        expect(line).not.toContain(unknown);
      }
      // The token is registered with the root logger: whoever logs it
      // (another plugin, an error message) prints *** in its place.
      logged.rootLogger
        .child({ plugin: 'other' })
        .warn(`something with ${token} in it`);
      expect(logged.lines.at(-1)).toContain('something with *** in it');
    } finally {
      await backend.stop();
    }
  });
});
