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

import type {
  DingtalkContactUser,
  DingtalkDepartment,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** What a full read needs of DingTalk (DingtalkOrgClient over the dingtalk backend). */
export interface DingtalkOrgReader {
  department(deptId: number): Promise<DingtalkDepartment | undefined>;
  subDepartments(
    deptId: number,
  ): Promise<{ corpId: string; items: DingtalkDepartment[] }>;
  users(
    deptId: number,
    cursor?: number,
  ): Promise<{
    corpId: string;
    items: DingtalkContactUser[];
    nextCursor?: number;
  }>;
}

/** 100 people a page: a department of up to 100,000 people. */
export const MAX_PAGES_PER_DEPARTMENT = 1000;

/** What one full read of the organisation found. */
export interface DingtalkOrganisation {
  corpId: string;
  /** Root first, then breadth first. */
  departments: DingtalkDepartment[];
  users: DingtalkContactUser[];
}

/**
 * Reads a department's subtree and everyone in it: one call for the root,
 * one `listsub` per department and one `user/list` per hundred people of a
 * department (people in several departments are listed in each, and kept
 * once). A few departments at a time: the dingtalk backend's limiter holds
 * the calls to the app's QPS, so more in flight would only queue there.
 */
export async function readOrganisation(
  client: DingtalkOrgReader,
  rootDepartmentId: number,
  opts: { concurrency?: number; includeInactive?: boolean } = {},
): Promise<DingtalkOrganisation> {
  const root = await client.department(rootDepartmentId);
  if (!root)
    throw new Error(`DingTalk has no department ${rootDepartmentId} to sync`);
  const departments = new Map<number, DingtalkDepartment>([
    [root.deptId, root],
  ]);
  const users = new Map<string, DingtalkContactUser>();
  let corpId = '';
  const queue: number[] = [root.deptId];
  let failure: unknown;

  async function visit(deptId: number) {
    const children = await client.subDepartments(deptId);
    corpId = children.corpId;
    for (const child of children.items) {
      // A department seen twice (DingTalk answered while it moved) is read once.
      if (departments.has(child.deptId)) continue;
      departments.set(child.deptId, { ...child, parentId: deptId });
      queue.push(child.deptId);
    }
    for (
      let cursor: number | undefined = 0, pages = 0;
      cursor !== undefined;
      pages++
    ) {
      // A cursor that does not move on (or a department that never ends)
      // would loop for ever, spending the quota: the sync fails instead.
      if (pages >= MAX_PAGES_PER_DEPARTMENT)
        throw new Error(
          `DingTalk listed more than ${MAX_PAGES_PER_DEPARTMENT} pages of people in department ${deptId}`,
        );
      const page = await client.users(deptId, cursor);
      for (const u of page.items) {
        if (opts.includeInactive === false && u.active === false) continue;
        const seen = users.get(u.userId);
        users.set(
          u.userId,
          seen
            ? { ...u, deptIds: [...new Set([...seen.deptIds, ...u.deptIds])] }
            : u,
        );
      }
      if (page.nextCursor !== undefined && !(page.nextCursor > cursor))
        throw new Error(
          `DingTalk's user list of department ${deptId} did not advance (cursor ${cursor}, next ${page.nextCursor})`,
        );
      cursor = page.nextCursor;
    }
  }

  // Workers take departments off the queue; a department's sub-departments
  // join the queue as it is read, so a worker that finds the queue empty
  // waits while others are still reading (they may add more).
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  let reading = 0;
  const worker = async () => {
    for (;;) {
      if (failure !== undefined) return;
      const next = queue.shift();
      if (next === undefined) {
        if (reading === 0) return;
        await new Promise(r => setTimeout(r, 5));
        continue;
      }
      reading++;
      try {
        await visit(next);
      } catch (e) {
        failure ??= e;
      } finally {
        reading--;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) throw failure;
  return {
    corpId,
    departments: [...departments.values()],
    users: [...users.values()],
  };
}
