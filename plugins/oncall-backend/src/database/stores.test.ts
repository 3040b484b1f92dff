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
import { Knex } from 'knex';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE } from './util';
import { createStores, OncallStores } from '.';
import { hashToken } from './WebhooksStore';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SERVICE = 'component:default/payments';

describe('on-call stores', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let knex: Knex;
    let stores: OncallStores;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      stores = await createStores({
        getClient: async () => knex,
        migrations: { skip: false },
      });
    });

    it('migrates down and up again', async () => {
      await knex.migrate.rollback(
        { directory: MIGRATIONS_DIR, tableName: MIGRATIONS_TABLE },
        true,
      );
      expect(await knex.schema.hasTable('oncall_incidents')).toBe(false);
      stores = await createStores({
        getClient: async () => knex,
        migrations: { skip: false },
      });
      expect(await knex.schema.hasTable('oncall_escalations')).toBe(true);
    });

    it('stores incidents, filters them and keeps one open incident per alert key', async () => {
      const { incidents } = stores;
      await incidents.insert({
        id: 'i1',
        title: 'CPU 100% on db-1',
        severity: 'critical',
        serviceRef: SERVICE,
        labels: { host: 'db-1' },
        alertKey: 'cpu',
        now: T0,
      });
      await incidents.insert({
        id: 'i2',
        title: 'Disk 90%',
        severity: 'warning',
        serviceRef: SERVICE,
        labels: {},
        now: T0 + 1,
      });
      await incidents.insert({
        id: 'i3',
        title: '50%_done',
        severity: 'info',
        serviceRef: 'component:default/other',
        labels: {},
        now: T0 + 2,
      });
      // Matched by message: better-sqlite3's error class can come from another
      // jest realm, which defeats toThrow's instanceof check.
      await expect(
        incidents.insert({
          id: 'i4',
          title: 'dup',
          severity: 'info',
          serviceRef: SERVICE,
          labels: {},
          alertKey: 'cpu',
          now: T0,
        }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(
          /UNIQUE constraint failed|duplicate key/,
        ),
      });

      expect(await incidents.findOpenByAlertKey(SERVICE, 'cpu')).toMatchObject({
        id: 'i1',
        labels: { host: 'db-1' },
      });
      await incidents.recordAlert('i1', T0 + 10);
      await incidents.addResponders(
        'i1',
        ['user:default/bob', 'user:default/bob', 'user:default/amy'],
        T0,
      );
      const i1 = await incidents.get('i1');
      expect(i1).toMatchObject({
        alertCount: 2,
        responders: ['user:default/amy', 'user:default/bob'],
        updatedAt: new Date(T0 + 10).toISOString(),
      });

      expect(
        await incidents.transition(
          'i1',
          ['acknowledged'],
          { status: 'resolved' },
          T0,
        ),
      ).toBe(false);
      expect(
        await incidents.transition(
          'i1',
          ['triggered'],
          {
            status: 'resolved',
            resolvedBy: 'user:default/bob',
            resolvedAt: T0 + 20,
          },
          T0 + 20,
        ),
      ).toBe(true);
      expect(
        await incidents.findOpenByAlertKey(SERVICE, 'cpu'),
      ).toBeUndefined();
      // Resolved incidents free the key for a new one.
      await incidents.insert({
        id: 'i5',
        title: 'CPU again',
        severity: 'critical',
        serviceRef: SERVICE,
        labels: {},
        alertKey: 'cpu',
        now: T0 + 30,
      });

      const page = await incidents.list({
        serviceRef: SERVICE,
        limit: 2,
        offset: 0,
      });
      expect(page.totalCount).toBe(3);
      expect(page.items.map(i => i.id)).toEqual(['i5', 'i2']);
      expect(
        (await incidents.list({ status: ['resolved'] })).items.map(i => i.id),
      ).toEqual(['i1']);
      expect(
        (await incidents.list({ severity: ['info', 'warning'] })).items.map(
          i => i.id,
        ),
      ).toEqual(['i3', 'i2']);
      expect(
        (await incidents.list({ responder: 'user:default/amy' })).items.map(
          i => i.id,
        ),
      ).toEqual(['i1']);
      // LIKE wildcards in the query are literal.
      expect((await incidents.list({ q: '%_d' })).items.map(i => i.id)).toEqual(
        ['i3'],
      );
      expect((await incidents.list({ q: 'cpu' })).items.map(i => i.id)).toEqual(
        ['i5', 'i1'],
      );

      await incidents.addTimeline(
        'i1',
        [
          {
            type: 'comment',
            message: 'hi',
            actor: 'user:default/bob',
            data: { text: 'hi' },
          },
          { type: 'alert', message: 'again' },
        ],
        T0,
      );
      const timeline = await incidents.listTimeline('i1');
      expect(timeline).toEqual([
        {
          id: expect.any(String),
          incidentId: 'i1',
          type: 'comment',
          message: 'hi',
          actor: 'user:default/bob',
          data: { text: 'hi' },
          createdAt: new Date(T0).toISOString(),
        },
        {
          id: expect.any(String),
          incidentId: 'i1',
          type: 'alert',
          message: 'again',
          actor: undefined,
          data: undefined,
          createdAt: new Date(T0).toISOString(),
        },
      ]);
    });

    it('stores only a hash of webhook tokens', async () => {
      const created = await stores.webhooks.create(
        SERVICE,
        'prom',
        'user:default/admin',
        T0,
      );
      expect(created.token).toMatch(/^ocw_[A-Za-z0-9_-]{43}$/);
      const row = await knex('oncall_webhooks')
        .where({ id: created.id })
        .first();
      expect(row.token_hash).toBe(hashToken(created.token));
      expect(JSON.stringify(row)).not.toContain(created.token);
      expect(
        await stores.webhooks.authenticate(created.token, T0 + 120_000),
      ).toMatchObject({ id: created.id, serviceRef: SERVICE });
      expect((await stores.webhooks.list(SERVICE))[0].lastUsedAt).toBe(
        new Date(T0 + 120_000).toISOString(),
      );
      expect(
        await stores.webhooks.authenticate(`${created.token}x`, T0),
      ).toBeUndefined();
      expect(
        await stores.webhooks.delete('component:default/other', created.id),
      ).toBe(false);
      expect(await stores.webhooks.delete(SERVICE, created.id)).toBe(true);
      expect(
        await stores.webhooks.authenticate(created.token, T0),
      ).toBeUndefined();
    });

    it('claims escalation jobs with compare-and-set', async () => {
      const { incidents, escalations, rules } = stores;
      await incidents.insert({
        id: 'e1',
        title: 't',
        severity: 'info',
        serviceRef: SERVICE,
        labels: {},
        now: T0,
      });
      const rule = await rules.upsert(
        SERVICE,
        {
          name: 'r',
          steps: [
            {
              delayMinutes: 0,
              targets: [{ type: 'user', ref: 'user:default/a' }],
            },
          ],
          repeat: 0,
        },
        undefined,
        T0,
      );
      await escalations.create('e1', rule, T0 + 1000, T0);

      expect(await escalations.findDue(T0, 10)).toEqual([]);
      expect(await escalations.claim('e1', 'a', T0, T0 + 500)).toBeUndefined();
      expect(await escalations.findDue(T0 + 1000, 10)).toEqual(['e1']);
      const results = await Promise.all([
        escalations.claim('e1', 'a', T0 + 1000, T0 + 5000),
        escalations.claim('e1', 'b', T0 + 1000, T0 + 5000),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const owner = results[0] ? 'a' : 'b';
      const other = owner === 'a' ? 'b' : 'a';
      expect(await escalations.findDue(T0 + 2000, 10)).toEqual([]);
      expect(await escalations.markInflight('e1', other, 0, 0, T0)).toBe(false);
      expect(await escalations.markInflight('e1', owner, 0, 0, T0)).toBe(true);
      // An expired claim can be taken over, and the old owner can no longer complete.
      expect(
        await escalations.claim('e1', other, T0 + 5001, T0 + 9000),
      ).toMatchObject({ claimedBy: other, inflightStep: 0 });
      expect(
        await escalations.complete('e1', owner, { kind: 'done' }, T0),
      ).toBe(false);
      expect(
        await escalations.complete(
          'e1',
          other,
          { kind: 'next', step: 1, round: 0, runAt: T0 + 60_000 },
          T0,
        ),
      ).toBe(true);
      expect(await escalations.get('e1')).toMatchObject({
        nextStep: 1,
        nextRunAt: T0 + 60_000,
        claimedBy: undefined,
        inflightStep: undefined,
      });

      await escalations.postpone('e1', T0 + 120_000, T0);
      expect((await escalations.get('e1'))?.nextRunAt).toBe(T0 + 120_000);
      expect(await escalations.stop('e1', T0)).toBe(true);
      expect(await escalations.stop('e1', T0)).toBe(false);
      expect(await escalations.findDue(T0 + 10_000_000, 10)).toEqual([]);
    });
  });
});
