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

// Two backends on one PostgreSQL database, against the emulator, in real
// time (the real scheduler runs the escalation tick and the digest flush),
// and one of them killed: its database connections are cut, as when the
// process dies, so nothing it still holds in memory reaches the database.
import { TestDatabases } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  alertmanager,
  eventually,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { groupWithCoolApp } from './__testUtils__/groups';
import {
  atOnce,
  createWebhook,
  groupTarget,
  linkAllByMobile,
  putRule,
  userTarget,
} from './__testUtils__/oncallApi';

jest.setTimeout(120_000);

type Replica = Awaited<ReturnType<typeof start>>;

describe('two replicas, one killed', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
  const postgres = databases.eachSupportedId();
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator({ people: ['alice', 'bob'] });
  });
  afterEach(() => emu.close());

  async function twoReplicas(
    databaseId: (typeof postgres)[number][0],
    opts: Parameters<typeof start>[1],
  ) {
    const knexA = await databases.init(databaseId);
    const knexB: Knex = require('knex')(knexA.client.config);
    const a = await start(emu, { ...opts, knex: knexA, realTime: true });
    let b: Replica | undefined;
    const { group } = await groupWithCoolApp(emu, {
      title: 'SRE',
      ownerUserId: 'alice',
      memberUserIds: ['bob'],
    });
    return {
      a,
      get b(): Replica {
        return b!;
      },
      /** The second replica; started later where the first must be the one working. */
      async startB() {
        b = await start(emu, { ...opts, knex: knexB, realTime: true });
        return b;
      },
      knexA,
      knexB,
      group: group.openConversationId,
      /** The process dies: its connections go, then the rest of it. */
      async kill(replica: Replica, knex: Knex) {
        await knex.destroy();
        void replica.backend.stop().catch(() => undefined);
      },
      async stop() {
        await b?.backend.stop().catch(() => undefined);
        await knexB.destroy();
      },
    };
  }

  async function ruleAndHook(server: Replica['server'], steps: object[]) {
    await putRule(server, steps);
    return createWebhook(server);
  }

  /** How many cards of the group show the incident: its own, or a digest line. */
  function timesShown(group: string, incidentId: string) {
    return emu.control
      .cards({ openConversationId: group })
      .filter(c =>
        c.cardParamMap.status === 'digest'
          ? c.cardParamMap.markdown.includes(`/oncall/incidents/${incidentId})`)
          : c.outTrackId.startsWith(`oncall-${incidentId}-`),
      ).length;
  }

  if (postgres.length)
    it.each(postgres)(
      'on %p: killed in the digest window, nothing is lost; the storm switch counts for the cluster',
      async databaseId => {
        const r = await twoReplicas(databaseId, {
          aggregation: {
            maxCardsPerMinute: 100,
            maxCardsPerTargetPerMinute: 2,
            digestSeconds: 4,
          },
        });
        await r.startB();
        try {
          const token = await ruleAndHook(r.a.server, [
            atOnce(groupTarget(r.group)),
          ]);
          const ids: string[] = [];
          for (let i = 0; i < 10; i++) {
            // Half through each replica: each would allow 2 cards a minute
            // on its own count.
            const fired = await request((i % 2 ? r.b : r.a).server)
              .post(`/api/oncall/alerts/${token}`)
              .send(alertmanager('firing', `fp-${i}`, `Alert ${i}`))
              .expect(202);
            ids.push(fired.body.results[0].incidentId);
          }
          await eventually(async () => {
            const [{ n }] = await r
              .knexB('oncall_escalations')
              .where({ state: 'done' })
              .count({ n: '*' });
            expect(Number(n)).toBe(10);
          }, 30_000);
          const waiting = await r.knexB('oncall_dingtalk_digest_items');
          // Killed while incidents wait for their digest.
          await r.kill(r.a, r.knexA);
          expect(waiting.length).toBeGreaterThan(0);
          await eventually(() => {
            for (const id of ids) expect(timesShown(r.group, id)).toBe(1);
          }, 30_000);
          const own = emu.control
            .cards({ openConversationId: r.group })
            .filter(c => c.cardParamMap.status !== 'digest');
          expect(own).toHaveLength(2);
          // A flush the dead replica had begun is taken over after its lease.
          await eventually(async () => {
            expect(await r.knexB('oncall_dingtalk_digest_items')).toEqual([]);
          }, 60_000);
          for (const id of ids) expect(timesShown(r.group, id)).toBe(1);
          // Every merged incident's timeline names the digest it went out in.
          for (const id of ids) {
            const { body } = await request(r.b.server)
              .get(`/api/oncall/incidents/${id}`)
              .expect(200);
            const outcomes = body.timeline
              .filter((t: any) => t.type === 'notification')
              .map((t: any) => t.data.outcome);
            expect(
              outcomes.includes('sent') ||
                (outcomes.includes('aggregated') &&
                  body.timeline.some((t: any) => t.data?.digest)),
            ).toBe(true);
          }
        } finally {
          await r.stop();
        }
      },
    );

  if (postgres.length)
    it.each(postgres)(
      'on %p: killed mid-step, the step runs again on the other within 30 s and every destination gets each incident once',
      async databaseId => {
        const r = await twoReplicas(databaseId, {
          aggregation: { maxCardsPerMinute: 1000 },
        });
        try {
          await linkAllByMobile(r.a.server);
          const token = await ruleAndHook(r.a.server, [
            atOnce(groupTarget(r.group), userTarget('user:default/alice')),
          ]);
          // DingTalk is slow: replica a is inside its steps when it dies.
          emu.control.injectFault({
            api: 'card.instances.createAndDeliver',
            kind: 'latency',
            ms: 10_000,
          });
          const ids: string[] = [];
          for (let i = 0; i < 4; i++) {
            const fired = await request(r.a.server)
              .post(`/api/oncall/alerts/${token}`)
              .send(alertmanager('firing', `fp-${i}`, `Alert ${i}`))
              .expect(202);
            ids.push(fired.body.results[0].incidentId);
          }
          await eventually(async () => {
            const inflight = await r
              .knexB('oncall_escalations')
              .whereNotNull('inflight_step');
            expect(inflight.length).toBeGreaterThan(0);
          });
          // Only a runs so far: whatever is in flight is a's.
          const owners = new Set(
            (
              await r.knexB('oncall_escalations').whereNotNull('inflight_step')
            ).map(c => c.claimed_by),
          );
          expect(owners.size).toBe(1);
          const [ownerA] = owners;
          await r.startB();
          // b may take the steps not claimed yet (its first tick can come
          // before this query); the ones a is inside of when it dies are the
          // interrupted ones
          const interrupted = await r
            .knexB('oncall_escalations')
            .whereNotNull('inflight_step')
            .where({ claimed_by: ownerA });
          expect(interrupted.length).toBeGreaterThan(0);
          await r.kill(r.a, r.knexA);
          const killedAt = Date.now();
          emu.control.clearFaults();
          await eventually(async () => {
            const done = await r
              .knexB('oncall_escalations')
              .where({ state: 'done' });
            expect(done).toHaveLength(4);
          }, 40_000);
          for (const id of ids) {
            expect(timesShown(r.group, id)).toBe(1);
            expect(
              emu.control
                .cards({ userId: 'alice' })
                .filter(c => c.outTrackId.startsWith(`oncall-${id}-`)),
            ).toHaveLength(1);
            const { body } = await request(r.b.server)
              .get(`/api/oncall/incidents/${id}`)
              .expect(200);
            // The re-run's results: delivered, nothing recorded as failed.
            const outcomes = body.timeline
              .filter((t: any) => t.type === 'notification')
              .map((t: any) => t.data.outcome);
            expect(outcomes).not.toContain('failed');
            expect(outcomes.filter((o: string) => o === 'sent')).toHaveLength(
              2,
            );
          }
          // Each step the killed replica was inside of is re-run within 30 s.
          for (const { incident_id: id } of interrupted) {
            const { body } = await request(r.b.server)
              .get(`/api/oncall/incidents/${id}`)
              .expect(200);
            const rerun = body.timeline.find((t: any) =>
              String(t.message).includes('previous attempt was interrupted'),
            );
            expect(rerun).toBeDefined();
            expect(Date.parse(rerun.createdAt) - killedAt).toBeLessThan(30_000);
          }
        } finally {
          await r.stop();
        }
      },
    );
});
