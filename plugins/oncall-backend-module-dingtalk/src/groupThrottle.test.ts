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

// DingTalk lets a robot post about 20 messages a minute into one group and
// then refuses it there for minutes (130101; in a card's deliverResults as
// `success: false`). A storm into one group beyond that rate: the refused
// incidents are recorded "flow controlled" (not failed), wait in the group's
// durable digest, and go out in one digest card once the throttle is over.
// Nothing is lost, nothing is posted twice, and the group is left alone
// while DingTalk would refuse it.
import { TestDatabases } from '@backstage/backend-test-utils';
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import {
  alertmanager,
  APP,
  eventually,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { groupWithCoolApp } from './__testUtils__/groups';
import {
  atOnce,
  createWebhook,
  fireAlert,
  groupTarget,
  putRule,
} from './__testUtils__/oncallApi';

jest.setTimeout(240_000);

const ALERTS = 10;
/** The group's rate in this test (DingTalk's is about 20 a minute). */
const PER_MINUTE = 3;
const THROTTLE_MS = 2_000;

describe('a storm into one group beyond its robot rate (130101)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  /** The emulator's clock runs ahead of real time by this much. */
  let ahead = 0;
  beforeEach(async () => {
    ahead = 0;
    emu = await startEmulator({
      people: { alice: 'Alice' },
      emulator: { now: () => Date.now() + ahead },
    });
    emu.control.setRobotGroupRate({
      perMinute: PER_MINUTE,
      throttleMs: THROTTLE_MS,
    });
  });
  afterEach(() => emu.close());

  it.each(databases.eachSupportedId())(
    'on %p: flow controlled, then delivered in a digest after the throttle, none lost',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const { backend, server, flushDigests } = await start(emu, {
        knex,
        aggregation: {
          // the bridge's own storm switch is off: DingTalk's limit is hit
          maxCardsPerMinute: 100_000,
          maxCardsPerTargetPerMinute: 100_000,
          groupThrottleSeconds: THROTTLE_MS / 1000,
        },
      });
      try {
        const {
          group: { openConversationId },
        } = await groupWithCoolApp(emu, {
          title: 'SRE On-call',
          ownerUserId: 'alice',
          memberUserIds: ['alice'],
        });
        await putRule(server, [atOnce(groupTarget(openConversationId))]);
        const hook = await createWebhook(server);
        const ids: string[] = [];
        for (let i = 0; i < ALERTS; i++)
          ids.push(
            await fireAlert(
              server,
              hook,
              alertmanager('firing', `fp-${i}`, `Alert ${i}`),
            ),
          );
        const outcomesOf = async (id: string) =>
          (
            await knex('oncall_timeline')
              .where({ incident_id: id, type: 'notification' })
              .orderBy('seq')
              .select('data')
          ).map(
            r => JSON.parse(r.data) as { outcome: string; digest?: string },
          );
        await eventually(async () => {
          for (const id of ids)
            expect((await outcomesOf(id)).length).toBeGreaterThan(0);
        }, 60_000);

        const cardsOf = (id: string) =>
          emu.control
            .cards({ openConversationId })
            .filter(c => c.outTrackId.startsWith(`oncall-${id}-`));
        const first = await Promise.all(ids.map(outcomesOf));
        const sent = ids.filter((_, i) => first[i][0].outcome === 'sent');
        const throttled = ids.filter(id => !sent.includes(id));
        // DingTalk took PER_MINUTE cards; the next was refused with 130101
        // and is recorded flow controlled (not failed), and the group's
        // later incidents join it in the digest
        expect(sent).toHaveLength(PER_MINUTE);
        const later = first.filter(o => o[0].outcome !== 'sent');
        expect(later.map(o => o[0].outcome)).toContain('flow controlled');
        expect(
          later.filter(
            o => !['flow controlled', 'aggregated'].includes(o[0].outcome),
          ),
        ).toEqual([]);
        expect(first.flat().map(o => o.outcome)).not.toContain('failed');
        for (const id of sent) expect(cardsOf(id)).toHaveLength(1);
        for (const id of throttled) expect(cardsOf(id)).toHaveLength(0);
        const digests = () =>
          emu.control
            .cards({ openConversationId })
            .filter(c => c.cardParamMap.status === 'digest');

        // while the group is held, a flush leaves it alone: no call at all
        const before = emu.control.calls().byApp[APP.appKey].total;
        await flushDigests();
        expect(emu.control.calls().byApp[APP.appKey].total).toBe(before);
        expect(digests()).toEqual([]);

        // DingTalk's throttle and minute are over; after the bridge's hold,
        // the waiting incidents go out in one digest card
        ahead += 61_000;
        await new Promise(r => setTimeout(r, THROTTLE_MS + 200));
        await eventually(async () => {
          await flushDigests();
          expect(digests()).toHaveLength(1);
        }, 30_000);
        const [digest] = digests();
        const after = await Promise.all(throttled.map(outcomesOf));
        for (const entries of after) {
          expect(entries.map(e => e.outcome)).toEqual([
            entries[0].outcome,
            'sent',
          ]);
          expect(entries[1].digest).toBe(digest.outTrackId);
        }
        const linked = (id: string) =>
          digest.cardParamMap.markdown.includes(`/oncall/incidents/${id})`);
        expect(throttled.filter(linked)).toEqual(throttled);
        expect(sent.filter(linked)).toEqual([]);
        for (const id of sent) expect(cardsOf(id)).toHaveLength(1);
        await flushDigests();
        expect(digests()).toHaveLength(1);
      } finally {
        await backend.stop();
      }
    },
  );
});
