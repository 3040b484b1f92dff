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

// A full DingTalk organisation sync (catalog-backend-module-dingtalk) of
// 5,000 people in 200 departments against the emulator, through the same
// client the dingtalk backend uses: the shared QPS limiter (in its database)
// and the quota counter. Two replicas' worth of other traffic is not
// simulated: the sync alone must stay under the app's QPS.
// Target: the emulator's busiest second stays at or under the edition's QPS
// (Standard: 20), no call is refused for QPS, and the call count is what the
// README's formula says (1 + departments + the user pages of each department).
import {
  DingtalkApiClient,
  DingtalkContactsApi,
  DingtalkQuotaCounter,
  DingtalkRateLimiter,
  DingtalkTokenProvider,
  migrateDingtalkNode,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { DINGTALK_EDITIONS } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { createEmulator } from '@dingtalk-oncall/dingtalk-emulator';
import knexFactory from 'knex';
import { readOrganisation } from '../plugins/catalog-backend-module-dingtalk/src/lib/readOrganisation';

const APP = {
  corpId: 'dingbenchorg',
  appKey: 'dingbenchorgclient',
  appSecret: 'bench-org-secret-0123456789',
  agentId: '3000000043',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'bench-org-token',
};
const DIVISIONS = 20;
const TEAMS_PER_DIVISION = 9; // 20 + 180 = 200 departments below the root
const PEOPLE = 5000;

async function main() {
  const emu = await createEmulator({ port: 0, host: '127.0.0.1' });
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  try {
    emu.control.createCorp({ corpId: APP.corpId, name: 'Bench Corp' });
    emu.control.createApp({ ...APP, edition: 'standard' });
    const teams: number[] = [];
    for (let d = 0; d < DIVISIONS; d++) {
      const division = 1000 + d;
      emu.control.createDepartment({
        corpId: APP.corpId,
        deptId: division,
        name: `Division ${d}`,
      });
      for (let t = 0; t < TEAMS_PER_DIVISION; t++) {
        const team = 10_000 + d * 100 + t;
        emu.control.createDepartment({
          corpId: APP.corpId,
          deptId: team,
          name: `Team ${d}-${t}`,
          parentId: division,
        });
        teams.push(team);
      }
    }
    // Uneven teams (some over a page of 100), and one person in ten also in
    // their division, as real organisations are.
    const members = new Map<number, number>();
    for (let i = 0; i < PEOPLE; i++) {
      // five teams of 200+ (three pages each), the rest about 22 a team
      const team = i < 1000 ? teams[i % 5] : teams[(i * 7919) % teams.length];
      const deptIds = [team];
      if (i % 10 === 0) deptIds.push(Math.floor((team - 10_000) / 100) + 1000);
      for (const id of deptIds) members.set(id, (members.get(id) ?? 0) + 1);
      emu.control.createUser({
        corpId: APP.corpId,
        userId: `u${String(i).padStart(5, '0')}`,
        name: `Person ${i}`,
        mobile: `139${String(i).padStart(8, '0')}`,
        deptIds,
      });
    }
    await migrateDingtalkNode(db);
    const client = new DingtalkApiClient({
      credentials: {
        clientId: APP.appKey,
        clientSecret: APP.appSecret,
        corpId: APP.corpId,
        edition: 'standard',
      },
      apiBaseUrl: emu.baseUrl,
      oapiBaseUrl: emu.baseUrl,
      tokens: new DingtalkTokenProvider({ db }),
      limiter: new DingtalkRateLimiter({ db }),
      quota: new DingtalkQuotaCounter({ db }),
    });
    const contacts = new DingtalkContactsApi(client);
    // The dingtalk backend's contacts routes, without the HTTP hop: one
    // DingTalk call per request, as the provider's DingtalkOrgClient makes.
    const reader = {
      department: (id: number) => contacts.getDepartment(id),
      subDepartments: async (id: number) => ({
        corpId: APP.corpId,
        items: await contacts.listSubDepartments(id),
      }),
      users: async (id: number, cursor?: number) => ({
        corpId: APP.corpId,
        ...(await contacts.listUsers({ deptId: id, cursor })),
      }),
    };
    const started = Date.now();
    const org = await readOrganisation(reader, 1);
    const seconds = (Date.now() - started) / 1000;

    const report = emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey];
    const departments = org.departments.length; // incl. the root
    // every department: one listsub, and one user/list per started 100 people (at least one)
    const allDepartments = org.departments.map(d => d.deptId);
    const expected =
      1 +
      allDepartments.length +
      allDepartments.reduce(
        (n, id) => n + Math.max(1, Math.ceil((members.get(id) ?? 0) / 100)),
        0,
      );
    const qps = DINGTALK_EDITIONS.standard.qps;
    const counted = await new DingtalkQuotaCounter({ db }).monthCalls(
      APP.appKey,
    );
    const passQps = report.maxPerSecond <= qps && report.rejectedQps === 0;
    const passCount =
      org.users.length === PEOPLE &&
      departments === 201 &&
      report.total === expected;
    console.log(
      `sync of ${org.users.length} people in ${
        departments - 1
      } departments (+ root): ${seconds.toFixed(1)} s`,
    );
    console.log(
      `DingTalk calls: ${report.total} (${Object.entries(report.byApi)
        .map(([api, n]) => `${api} ${n}`)
        .join(
          ', ',
        )}), expected ${expected}; counted against the quota: ${counted}: ${
        passCount ? 'PASS' : 'FAIL'
      }`,
    );
    console.log(
      `busiest second: ${
        report.maxPerSecond
      } calls, QPS limit ${qps}, refused for QPS: ${report.rejectedQps}: ${
        passQps ? 'PASS' : 'FAIL'
      }`,
    );
    if (!passQps || !passCount) process.exitCode = 1;
  } finally {
    await db.destroy();
    await emu.close();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
