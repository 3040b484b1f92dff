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

// Access tokens fetched by two replicas over three hours of simulated time.
// Both replicas call DingTalk every 15 simulated seconds; the emulator and the
// token provider read the same movable clock, so a token expires (7,200 s) and
// is refreshed (at 90% of its life) exactly as it would over real hours.
// Target: the shared cache + lease fetch one token per refresh window for the
// whole cluster: 1 in the first hour, at most 2 in three hours (a refresh at
// 6,480 s), and no call ever meets an expired token. Baselines in the same
// run: the same replicas with only their own in-process cache (one token per
// replica per window), and a client with no cache at all (one per call).
import { CacheManager } from '@backstage/backend-defaults/cache';
import { ConfigReader } from '@backstage/config';
import {
  DingtalkApiClient,
  DingtalkQuotaCounter,
  DingtalkRateLimiter,
  DingtalkTokenProvider,
  migrateDingtalkNode,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { createEmulator } from '@dingtalk-oncall/dingtalk-emulator';
import knexFactory from 'knex';

const APP = {
  corpId: 'dingbenchcorp',
  appKey: 'dingbenchclient',
  appSecret: 'bench-client-secret-0123456789',
  agentId: '3000000042',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'bench-signature-token',
};
const T0 = Date.parse('2026-11-24T03:00:00Z');
const STEP_S = 15;
const HOUR_S = 3600;
const TOKEN_TTL_S = 7200;

type Mode = 'shared cache + lease' | 'per-process cache' | 'no cache';

/** Fetches counted at the emulator after 1 h and after 3 h for one way of holding tokens. */
async function run(mode: Mode) {
  const clock = { now: T0 };
  const now = () => clock.now;
  const emu = await createEmulator({ port: 0, host: '127.0.0.1', now });
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  try {
    emu.control.createApp({ ...APP, edition: 'standard' });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'u1',
      name: 'User 1',
      mobile: '13900000001',
    });
    await migrateDingtalkNode(db);
    const memoryCache = () =>
      CacheManager.fromConfig(
        new ConfigReader({ backend: { cache: { store: 'memory' } } }),
      ).forPlugin('dingtalk');
    // One cache service stands in for the Redis both replicas would share.
    const shared = memoryCache();
    const replica = () => {
      const tokens =
        mode === 'shared cache + lease'
          ? new DingtalkTokenProvider({ cache: shared, db, now })
          : new DingtalkTokenProvider({ now });
      if (mode === 'no cache') {
        // The naive client: asks DingTalk for a token before every call.
        (tokens as any).get = async (
          _: string,
          fetch: () => Promise<{ token: string }>,
        ) => (await fetch()).token;
      }
      return new DingtalkApiClient({
        credentials: {
          clientId: APP.appKey,
          clientSecret: APP.appSecret,
          corpId: APP.corpId,
          edition: 'standard',
        },
        apiBaseUrl: emu.baseUrl,
        oapiBaseUrl: emu.baseUrl,
        tokens,
        limiter: new DingtalkRateLimiter({ db, now }),
        quota: new DingtalkQuotaCounter({ db, now }),
      });
    };
    const replicas = [replica(), replica()];
    // A token DingTalk refused (expired before the provider replaced it) makes
    // the client invalidate it and retry: count those, they must not happen.
    let refusedTokens = 0;
    for (const r of replicas) {
      const tokens = (r as any).opts.tokens as DingtalkTokenProvider;
      const invalidate = tokens.invalidate.bind(tokens);
      tokens.invalidate = async (clientId, token) => {
        refusedTokens += 1;
        return invalidate(clientId, token);
      };
    }
    const fetches = () =>
      emu.control.calls().byApp[APP.appKey]?.tokenFetches ?? 0;
    let calls = 0;
    let failures = 0;
    let afterOneHour = 0;
    for (let t = 0; t < 3 * HOUR_S; t += STEP_S) {
      if (t === HOUR_S) afterOneHour = fetches();
      clock.now = T0 + t * 1000;
      // Both replicas at once, as two processes under load would be.
      const results = await Promise.allSettled(
        replicas.map(r => r.getUserByMobile('13900000001')),
      );
      calls += results.length;
      failures += results.filter(r => r.status === 'rejected').length;
    }
    return {
      afterOneHour,
      afterThreeHours: fetches(),
      calls,
      failures,
      refusedTokens,
    };
  } finally {
    await db.destroy();
    await emu.close();
  }
}

async function main() {
  const started = Date.now();
  const results = new Map<Mode, Awaited<ReturnType<typeof run>>>();
  for (const mode of [
    'shared cache + lease',
    'per-process cache',
    'no cache',
  ] as const) {
    results.set(mode, await run(mode));
  }
  const shared = results.get('shared cache + lease')!;
  const local = results.get('per-process cache')!;
  const none = results.get('no cache')!;
  // Refreshed at 90% of 7,200 s: a new token is due every 6,480 s.
  const window = TOKEN_TTL_S * 0.9;
  const target1h = 1;
  const target3h = Math.ceil((3 * HOUR_S) / window);
  const pass1h = shared.afterOneHour <= target1h;
  const pass3h = shared.afterThreeHours <= target3h;
  const passCalls = shared.failures === 0 && shared.refusedTokens === 0;
  for (const [mode, r] of results) {
    console.log(
      `token ${mode}: ${r.afterOneHour} token fetches in 1 simulated hour, ${r.afterThreeHours} in 3 hours (2 replicas, ${r.calls} calls, ${r.failures} failed, ${r.refusedTokens} met an expired token)`,
    );
  }
  console.log(
    `token 2 replicas, 1 h: ${
      shared.afterOneHour
    } fetch(es) (baseline per-process cache ${local.afterOneHour}, no cache ${
      none.afterOneHour
    }) target <= ${target1h}: ${pass1h ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `token 2 replicas, 3 h: ${
      shared.afterThreeHours
    } fetch(es) (baseline per-process cache ${
      local.afterThreeHours
    }, no cache ${
      none.afterThreeHours
    }) target <= ${target3h} (one per ${window} s refresh window): ${
      pass3h ? 'PASS' : 'FAIL'
    }`,
  );
  console.log(
    `token calls over 3 h with the shared cache that failed or met an expired token: ${
      shared.failures + shared.refusedTokens
    } target 0: ${passCalls ? 'PASS' : 'FAIL'}`,
  );
  console.log(`token run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(pass1h && pass3h && passCalls ? 0 : 1);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
