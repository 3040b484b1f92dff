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

import type { DingtalkContactUser } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import {
  MAX_PAGES_PER_DEPARTMENT,
  readOrganisation,
  type DingtalkOrgReader,
} from './readOrganisation';

/** An organisation of one department whose user list pages as `nextOf` says. */
function reader(nextOf: (cursor: number) => number | undefined) {
  let calls = 0;
  const r: DingtalkOrgReader = {
    department: async deptId => ({ deptId, name: 'Root' } as any),
    subDepartments: async () => ({ corpId: 'corp', items: [] }),
    users: async (_deptId, cursor = 0) => {
      calls++;
      return {
        corpId: 'corp',
        items: [
          { userId: `u${cursor}`, name: `U ${cursor}`, deptIds: [1] },
        ] as DingtalkContactUser[],
        nextCursor: nextOf(cursor),
      };
    },
  };
  return { r, calls: () => calls };
}

describe('readOrganisation paging', () => {
  it('reads every page while the cursor advances', async () => {
    const { r } = reader(c => (c < 300 ? c + 100 : undefined));
    const org = await readOrganisation(r, 1);
    expect(org.users.map(u => u.userId)).toEqual([
      'u0',
      'u100',
      'u200',
      'u300',
    ]);
  });

  it('fails instead of looping when the cursor does not advance', async () => {
    const { r, calls } = reader(() => 0);
    await expect(readOrganisation(r, 1)).rejects.toThrow(/did not advance/);
    expect(calls()).toBe(1);
    const back = reader(c => (c === 100 ? 50 : c + 50));
    await expect(readOrganisation(back.r, 1)).rejects.toThrow(
      /did not advance/,
    );
  });

  it('fails after the page cap of one department', async () => {
    const { r, calls } = reader(c => c + 1);
    await expect(readOrganisation(r, 1)).rejects.toThrow(
      /more than 1000 pages/,
    );
    expect(calls()).toBe(MAX_PAGES_PER_DEPARTMENT);
  });
});
