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

// Time to page: from the alert webhook's POST to the card at the emulator
// (the emulator's own record of when the card was created), for a new
// critical incident whose rule pages a group chat at once. Real dingtalk and
// oncall backends with the DingTalk channel module, the real scheduler, the
// product's default aggregation (30 cards a minute, 15 per group, 30 s
// digests), a Standard app (20 QPS).
//
// Figures and targets:
//  - the bound, measured in the same run: the webhook's own round trip (an
//    alert for a service without a rule: the incident is written, nothing is
//    paged) plus one DingTalk call (a card created at the emulator directly,
//    with a token), each at p50 and p99;
//  - idle: 25 incidents one after another over 5 groups, p50 and p99;
//    target p99 < 1 s;
//  - during a 1,000-incident storm (10 services and groups, 16 alerts at a
//    time): 6 probes, each the first critical incident of a group that has
//    had no card yet (so not digesting), spread over the storm; target:
//    every probe's card within 5 s.
import { createEmulator } from '@dingtalk-oncall/dingtalk-emulator';
import {
  APP,
  service,
  startOncallWithDingtalk,
} from '../plugins/oncall-backend-module-dingtalk/src/__testUtils__/backend';

const STORM = 1000;
const STORM_SERVICES = 10;
const IDLE = 25;
const QUIET = 5;
const PROBES = 6;
const SAMPLES = 30;
const BOUND_GROUPS = 3;
const IDLE_TARGET_MS = 1000;
const STORM_TARGET_MS = 5000;

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main() {
  const started = Date.now();
  const emu = await createEmulator({ port: 0, host: '127.0.0.1' });
  emu.control.createApp({ ...APP, edition: 'standard' });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'owner',
    name: 'Owner',
    mobile: '13900000000',
  });
  const names = [
    'bound',
    ...Array.from({ length: BOUND_GROUPS }, (_, i) => `bound-${i}`),
    ...Array.from({ length: QUIET }, (_, i) => `quiet-${i}`),
    ...Array.from({ length: PROBES }, (_, i) => `probe-${i}`),
    ...Array.from({ length: STORM_SERVICES }, (_, i) => `storm-${i}`),
  ];
  const { backend } = await startOncallWithDingtalk(emu, {
    realTime: true,
    aggregation: {
      maxCardsPerMinute: 30,
      digestSeconds: 30,
      minQuotaShare: 0.1,
    },
    entities: names.map(n => service(n)),
  });
  const base = `http://127.0.0.1:${backend.server.port()}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => undefined);
    if (!res.ok)
      throw new Error(
        `${method} ${path}: ${res.status} ${JSON.stringify(json)}`,
      );
    return json as any;
  };
  let failed = false;
  try {
    // Setup, not measured: a group with the Cool App, a rule paging it at
    // once and a webhook per service ('bound' has a webhook but no rule).
    const group = new Map<string, string>();
    const hook = new Map<string, string>();
    for (const name of names) {
      const g = emu.control.createGroup({
        corpId: APP.corpId,
        title: name,
        ownerUserId: 'owner',
        memberUserIds: [],
      });
      await emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: g.openConversationId,
      });
      group.set(name, g.openConversationId);
      const ref = encodeURIComponent(`component:default/${name}`);
      if (!name.startsWith('bound'))
        await api('PUT', `/api/oncall/services/${ref}/rule`, {
          name,
          steps: [
            {
              delayMinutes: 0,
              targets: [
                {
                  type: 'channel',
                  channel: 'dingtalk',
                  id: g.openConversationId,
                  integrationId: 'demo',
                },
              ],
            },
          ],
        });
      hook.set(
        name,
        (await api('POST', `/api/oncall/services/${ref}/webhooks`, { name }))
          .token,
      );
    }
    let seq = 0;
    const fire = async (name: string) => {
      const summary = `Page ${name} ${seq++}`;
      const t0 = Date.now();
      const res = await fetch(`${base}/api/oncall/alerts/${hook.get(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status: 'firing',
          alerts: [
            {
              status: 'firing',
              labels: { alertname: summary, severity: 'critical' },
              annotations: { summary },
              fingerprint: summary,
            },
          ],
        }),
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      return { t0, rtt: Date.now() - t0, summary };
    };
    /** Milliseconds from the POST to the card's creation at the emulator. */
    const timeToPage = async (name: string, within = 30_000) => {
      const { t0, summary } = await fire(name);
      const cid = group.get(name)!;
      for (;;) {
        const card = emu.control
          .cards({ openConversationId: cid })
          .find(c => String(c.cardParamMap.title ?? '').endsWith(summary));
        if (card) return card.createdAt - t0;
        if (Date.now() - t0 > within) return Infinity;
        await new Promise(r => setTimeout(r, 2));
      }
    };

    // The bound: the webhook's round trip, and one DingTalk call.
    const rtts: number[] = [];
    for (let i = 0; i < SAMPLES; i++) rtts.push((await fire('bound')).rtt);
    const { accessToken } = await (
      await fetch(`${emu.baseUrl}/v1.0/oauth2/accessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          appKey: APP.appKey,
          appSecret: APP.appSecret,
        }),
      })
    ).json();
    const calls: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t = Date.now();
      const res = await fetch(
        `${emu.baseUrl}/v1.0/card/instances/createAndDeliver`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-acs-dingtalk-access-token': accessToken,
          },
          body: JSON.stringify({
            cardTemplateId: 'bench',
            outTrackId: `bench-bound-${i}`,
            cardData: { cardParamMap: { title: 'bound' } },
            // A few cards per group: DingTalk throttles a robot past about
            // 20 messages a minute in one group.
            openSpaceId: `dtv1.card//IM_GROUP.${group.get(
              `bound-${i % BOUND_GROUPS}`,
            )}`,
            imGroupOpenDeliverModel: { robotCode: APP.appKey },
          }),
        },
      );
      const answer = await res.json();
      calls.push(Date.now() - t);
      // Paced under the app's 20 calls a second per API.
      await new Promise(r => setTimeout(r, 60));
      if (!res.ok || !answer.success)
        throw new Error(
          `the bound's DingTalk call failed: ${JSON.stringify(answer)}`,
        );
    }
    const bound50 = pct(rtts, 0.5) + pct(calls, 0.5);
    const bound99 = pct(rtts, 0.99) + pct(calls, 0.99);

    // Idle: one incident at a time, a few per group (below the switches).
    const idle: number[] = [];
    for (let i = 0; i < IDLE; i++) {
      idle.push(await timeToPage(`quiet-${i % QUIET}`));
      await new Promise(r => setTimeout(r, 100));
    }

    // The storm, and the probes into groups that have not been paged yet.
    let fired = 0;
    const stormStart = Date.now();
    const storm = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < STORM) {
            const i = next++;
            await fire(`storm-${i % STORM_SERVICES}`);
            fired++;
          }
        }),
      );
    })();
    const probes: Array<{ at: number; ms: number }> = [];
    for (let p = 0; p < PROBES; p++) {
      const at = Math.round(((p + 1) * STORM) / (PROBES + 2));
      while (fired < at) await new Promise(r => setTimeout(r, 5));
      probes.push({ at: fired, ms: await timeToPage(`probe-${p}`) });
    }
    await storm;
    const stormSeconds = (Date.now() - stormStart) / 1000;
    const stormCards = names
      .filter(n => n.startsWith('storm-'))
      .reduce(
        (n, name) =>
          n +
          emu.control.cards({ openConversationId: group.get(name)! }).length,
        0,
      );

    const idle99 = pct(idle, 0.99);
    const worstProbe = Math.max(...probes.map(p => p.ms));
    const passIdle = idle99 < IDLE_TARGET_MS;
    const passStorm = worstProbe < STORM_TARGET_MS;
    failed = !(passIdle && passStorm);
    console.log(
      `page bound (same run): webhook round trip p50 ${ms(
        pct(rtts, 0.5),
      )} p99 ${ms(pct(rtts, 0.99))} + one DingTalk call p50 ${ms(
        pct(calls, 0.5),
      )} p99 ${ms(pct(calls, 0.99))} = p50 ${ms(bound50)}, p99 ${ms(bound99)}`,
    );
    console.log(
      `page idle (${IDLE} incidents over ${QUIET} groups): p50 ${ms(
        pct(idle, 0.5),
      )} (${(pct(idle, 0.5) / bound50).toFixed(1)}x the bound), p99 ${ms(
        idle99,
      )} (${(idle99 / bound99).toFixed(
        1,
      )}x the bound) target p99 < ${IDLE_TARGET_MS} ms: ${
        passIdle ? 'PASS' : 'FAIL'
      }`,
    );
    console.log(
      `page during a ${STORM}-incident storm (${stormSeconds.toFixed(
        1,
      )} s to accept, ${stormCards} cards into the ${STORM_SERVICES} storm groups): first card into a group not yet digesting ${probes
        .map(p => `${ms(p.ms)} (after ${p.at} alerts)`)
        .join(', ')}; p50 ${ms(
        pct(
          probes.map(p => p.ms),
          0.5,
        ),
      )}, worst ${ms(worstProbe)} target each < ${STORM_TARGET_MS} ms: ${
        passStorm ? 'PASS' : 'FAIL'
      }`,
    );
    console.log(
      `page run time ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await backend.stop().catch(() => undefined);
    await emu.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
