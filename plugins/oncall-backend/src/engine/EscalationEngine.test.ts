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
import { EscalationStep } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { createHarness, Harness, MINUTE, T0 } from '../__testUtils__/harness';
import { FakeChannel } from '../__testUtils__/FakeChannel';

jest.setTimeout(60_000);

const SERVICE = 'component:default/payments';

const steps: EscalationStep[] = [
  {
    delayMinutes: 0,
    targets: [
      { type: 'channel', channel: 'fake', id: 'cid-sre', title: 'SRE On-call' },
    ],
  },
  { delayMinutes: 5, targets: [{ type: 'user', ref: 'user:default/alice' }] },
  { delayMinutes: 10, targets: [{ type: 'group', ref: 'group:default/sre' }] },
];

async function withRule(
  h: Harness,
  ruleSteps = steps,
  repeat = 0,
  repeatDelayMinutes?: number,
) {
  await h.stores.rules.upsert(
    SERVICE,
    { name: 'Payments', steps: ruleSteps, repeat, repeatDelayMinutes },
    'user:default/admin',
    h.clock.now,
  );
}

async function open(h: Harness, title = 'Disk full') {
  const incident = await h.incidents.create(
    { title, severity: 'critical', serviceRef: SERVICE },
    'user:default/alice',
  );
  await h.incidents.idle();
  return incident;
}

describe('EscalationEngine', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('runs steps in order after their delays and stops on acknowledge', async () => {
      const knex = await databases.init(databaseId);
      const channel = new FakeChannel();
      channel.outcomes['user:default/alice'] = 'app not linked';
      const h = await createHarness(knex, { channels: [channel] });
      await withRule(h);

      const incident = await open(h);
      // Step 1 has no delay: the tick kicked off by create ran it.
      expect(channel.stepsFor(incident.id)).toEqual([1]);
      expect(channel.notifications[0]).toMatchObject({
        targets: [{ channel: 'fake', id: 'cid-sre', title: 'SRE On-call' }],
        users: [],
        actions: ['acknowledge', 'resolve', 'snooze'],
      });

      h.clock.now = T0 + 4 * MINUTE;
      expect(await h.engine.tick()).toBe(0);
      h.clock.now = T0 + 5 * MINUTE;
      expect(await h.engine.tick()).toBe(1);
      expect(channel.notifications[1]).toMatchObject({
        step: 2,
        targets: [],
        users: ['user:default/alice'],
      });

      await h.incidents.acknowledge(incident.id, 'user:default/alice');
      h.clock.now = T0 + 60 * MINUTE;
      expect(await h.engine.tick()).toBe(0);
      expect(channel.stepsFor(incident.id)).toEqual([1, 2]);

      const { timeline, responders } = await h.incidents.getWithTimeline(
        incident.id,
      );
      expect(responders).toEqual(['user:default/alice']);
      const kinds = timeline!.map(e => `${e.type}:${e.data?.outcome ?? ''}`);
      expect(kinds).toEqual([
        'created:',
        'escalation:',
        'escalation:',
        'notification:sent',
        'escalation:',
        'notification:app not linked',
        'acknowledged:',
        'escalation:',
      ]);
      expect(timeline![6].actor).toBe('user:default/alice');
      expect(timeline![7].message).toBe(
        'Escalation stopped: incident acknowledged',
      );
    });

    it('expands groups to members, records aggregated and failed results, and finishes', async () => {
      const knex = await databases.init(databaseId);
      const channel = new FakeChannel();
      channel.outcomes['user:default/carol'] = 'aggregated';
      const h = await createHarness(knex, { channels: [channel] });
      await withRule(h, [
        {
          delayMinutes: 0,
          targets: [
            { type: 'group', ref: 'group:default/sre' },
            { type: 'group', ref: 'group:default/ghosts' },
            { type: 'channel', channel: 'pager', id: 'p1' },
          ],
        },
      ]);
      const incident = await open(h);
      expect(channel.notifications[0].users).toEqual([
        'user:default/bob',
        'user:default/carol',
      ]);
      const { timeline } = await h.incidents.getWithTimeline(incident.id);
      const notes = timeline!.filter(e => e.type === 'notification');
      expect(
        notes.map(n => [n.data?.channel, n.data?.target, n.data?.outcome]),
      ).toEqual([
        ['pager', 'p1', 'failed'],
        ['fake', 'user:default/bob', 'sent'],
        ['fake', 'user:default/carol', 'aggregated'],
      ]);
      expect(notes[0].message).toContain('not installed');
      expect(timeline!.map(e => e.message)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('group:default/ghosts was not found'),
          expect.stringContaining('finished'),
        ]),
      );
      const job = await h.stores.escalations.get(incident.id);
      expect(job?.state).toBe('done');
    });

    it('records a failing channel and carries on with the next step', async () => {
      const knex = await databases.init(databaseId);
      const channel = new FakeChannel();
      channel.failNotify = 'DingTalk said no';
      const h = await createHarness(knex, { channels: [channel] });
      await withRule(h);
      const incident = await open(h);
      const { timeline } = await h.incidents.getWithTimeline(incident.id);
      expect(timeline!.find(e => e.type === 'notification')).toMatchObject({
        data: {
          channel: 'fake',
          target: 'cid-sre',
          outcome: 'failed',
          detail: 'DingTalk said no',
        },
      });
      h.clock.now = T0 + 5 * MINUTE;
      expect(await h.engine.tick()).toBe(1);
    });

    it('cancels a channel that does not answer, records no failure, and runs the step again', async () => {
      const knex = await databases.init(databaseId);
      const channel = new FakeChannel();
      channel.hang = true;
      const h = await createHarness(knex, {
        channels: [channel],
        notifyTimeoutMs: 300,
      });
      await withRule(h);
      const incident = await open(h);
      // The channel was told to stop (its HTTP calls abort on this signal).
      expect(channel.notifications[0].signal?.aborted).toBe(true);
      let { timeline } = await h.incidents.getWithTimeline(incident.id);
      expect(timeline!.filter(e => e.type === 'notification')).toEqual([]);
      expect(timeline!.map(e => e.message).join('\n')).toContain(
        'fake → cid-sre: unknown; the step runs again in 5s',
      );
      expect(await h.stores.escalations.get(incident.id)).toMatchObject({
        nextStep: 0,
        inflightStep: 0,
        inflightAttempt: 1,
        claimedBy: undefined,
        nextRunAt: T0 + 5_000,
      });
      expect(await h.engine.tick()).toBe(0);
      channel.hang = false;
      h.clock.now = T0 + 5_000;
      expect(await h.engine.tick()).toBe(1);
      expect(channel.stepsFor(incident.id)).toEqual([1, 1]);
      ({ timeline } = await h.incidents.getWithTimeline(incident.id));
      expect(
        timeline!
          .filter(e => e.type === 'notification')
          .map(e => e.data?.outcome),
      ).toEqual(['sent']);
      expect(await h.stores.escalations.get(incident.id)).toMatchObject({
        nextStep: 1,
        inflightStep: undefined,
      });
    });

    it('records the outcome as unknown, never as failed, after the last attempt', async () => {
      const knex = await databases.init(databaseId);
      const channel = new FakeChannel();
      channel.hang = true;
      const h = await createHarness(knex, {
        channels: [channel],
        notifyTimeoutMs: 200,
      });
      await withRule(h);
      const incident = await open(h);
      for (const at of [5, 15, 35, 75]) {
        h.clock.now = T0 + at * 1000;
        expect(await h.engine.tick()).toBe(1);
      }
      expect(channel.stepsFor(incident.id)).toEqual([1, 1, 1, 1, 1]);
      const { timeline } = await h.incidents.getWithTimeline(incident.id);
      expect(
        timeline!
          .filter(e => e.type === 'notification')
          .map(e => e.data?.outcome),
      ).toEqual(['unknown']);
      expect(await h.stores.escalations.get(incident.id)).toMatchObject({
        nextStep: 1,
      });
    });

    it('a step outlasting its lease keeps its claim by heartbeats: no other replica runs it', async () => {
      const knex = await databases.init(databaseId);
      const clock = { now: T0 };
      const slow = new FakeChannel();
      slow.delayMs = 1500;
      const other = new FakeChannel();
      const a = await createHarness(knex, {
        channels: [slow],
        clock,
        instanceId: 'slow',
        claimTimeoutMs: 600,
      });
      const b = await createHarness(knex, {
        channels: [other],
        clock,
        instanceId: 'other',
        claimTimeoutMs: 600,
        skipMigrations: true,
      });
      await withRule(a);
      const incident = await a.incidents.create(
        { title: 'Slow chat', severity: 'critical', serviceRef: SERVICE },
        'user:default/alice',
      );
      await new Promise(r => setTimeout(r, 300));
      // Past the first lease: only the renewals keep the claim.
      clock.now = T0 + 1000;
      await new Promise(r => setTimeout(r, 450));
      expect(await b.engine.tick()).toBe(0);
      await a.incidents.idle();
      expect(slow.stepsFor(incident.id)).toEqual([1]);
      expect(other.stepsFor(incident.id)).toEqual([]);
    });

    it('repeats the chain and respects snooze', async () => {
      const knex = await databases.init(databaseId);
      const channel = new FakeChannel();
      const h = await createHarness(knex, { channels: [channel] });
      await withRule(h, steps.slice(0, 2), 1, 3);
      const incident = await open(h);
      h.clock.now = T0 + 5 * MINUTE;
      await h.engine.tick();
      expect(channel.stepsFor(incident.id)).toEqual([1, 2]);

      // Snoozed for 30 minutes: the repeat due at +8 waits until +35.
      await h.incidents.snooze(incident.id, 'user:default/bob', 30);
      h.clock.now = T0 + 8 * MINUTE;
      expect(await h.engine.tick()).toBe(0);
      h.clock.now = T0 + 35 * MINUTE;
      expect(await h.engine.tick()).toBe(1);
      h.clock.now = T0 + 40 * MINUTE;
      expect(await h.engine.tick()).toBe(1);
      h.clock.now = T0 + 120 * MINUTE;
      expect(await h.engine.tick()).toBe(0);
      expect(channel.stepsFor(incident.id)).toEqual([1, 2, 1, 2]);
      expect((await h.stores.escalations.get(incident.id))?.state).toBe('done');
    });

    it('two replicas ticking together notify each step exactly once', async () => {
      const knex = await databases.init(databaseId);
      const clock = { now: T0 };
      const channelA = new FakeChannel();
      const channelB = new FakeChannel();
      const a = await createHarness(knex, {
        channels: [channelA],
        clock,
        instanceId: 'replica-a',
      });
      const b = await createHarness(knex, {
        channels: [channelB],
        clock,
        instanceId: 'replica-b',
        skipMigrations: true,
      });
      // Step 1 is delayed so that creation's own tick does not run it.
      await withRule(a, [
        { ...steps[0], delayMinutes: 1 },
        steps[1],
        { ...steps[2], delayMinutes: 0 },
      ]);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push((await open(i % 2 ? a : b, `incident ${i}`)).id);
      }
      for (const minute of [1, 1, 3, 6, 6, 7, 30]) {
        clock.now = T0 + minute * MINUTE;
        await Promise.all([
          a.engine.tick(),
          b.engine.tick(),
          a.engine.tick(),
          b.engine.tick(),
        ]);
      }
      const all = [...channelA.notifications, ...channelB.notifications];
      for (const id of ids) {
        const stepsRun = all
          .filter(n => n.incident.id === id)
          .map(n => n.step)
          .sort();
        expect(stepsRun).toEqual([1, 2, 3]);
      }
      // Both replicas did part of the work.
      expect(channelA.notifications.length).toBeGreaterThan(0);
      expect(channelB.notifications.length).toBeGreaterThan(0);
    });

    it('a restarted backend resumes an interrupted step and later steps', async () => {
      const knex = await databases.init(databaseId);
      const clock = { now: T0 };
      const dying = new FakeChannel();
      dying.hang = true;
      const first = await createHarness(knex, {
        channels: [dying],
        clock,
        instanceId: 'before-restart',
        claimTimeoutMs: 2 * MINUTE,
      });
      await withRule(first);
      const incident = await first.incidents.create(
        { title: 'Queue stuck', severity: 'warning', serviceRef: SERVICE },
        'user:default/alice',
      );
      // The first process claims step 1, persists its intent, then "dies"
      // inside the channel call.
      const waitForCall = async () => {
        for (let i = 0; i < 500 && dying.notifications.length === 0; i++) {
          await new Promise(r => setTimeout(r, 10));
        }
      };
      await waitForCall();
      expect(dying.notifications).toHaveLength(1);
      const job = await first.stores.escalations.get(incident.id);
      expect(job).toMatchObject({
        inflightStep: 0,
        claimedBy: 'before-restart',
      });

      const healthy = new FakeChannel();
      const second = await createHarness(knex, {
        channels: [healthy],
        clock,
        instanceId: 'after-restart',
        claimTimeoutMs: 2 * MINUTE,
      });
      // Within the claim the new process must not touch the step.
      clock.now = T0 + 1 * MINUTE;
      expect(await second.engine.tick()).toBe(0);
      clock.now = T0 + 2 * MINUTE + 1;
      expect(await second.engine.tick()).toBe(1);
      expect(healthy.stepsFor(incident.id)).toEqual([1]);

      // Restart again between steps: a third instance runs step 2 on time.
      const third = await createHarness(knex, {
        channels: [healthy],
        clock,
        instanceId: 'third',
        skipMigrations: true,
      });
      clock.now = T0 + 7 * MINUTE + 1;
      expect(await third.engine.tick()).toBe(1);
      expect(healthy.stepsFor(incident.id)).toEqual([1, 2]);
      const { timeline } = await third.incidents.getWithTimeline(incident.id);
      expect(
        timeline!.some(e =>
          e.message.includes('previous attempt was interrupted'),
        ),
      ).toBe(true);
    });
  });
});
