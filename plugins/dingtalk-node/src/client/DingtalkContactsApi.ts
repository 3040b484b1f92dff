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

import { z } from 'zod';
import type {
  DingtalkContactUser,
  DingtalkDepartment,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkApiClient } from './DingtalkApiClient';
import { DingtalkApiError } from './errors';

/** DingTalk's largest page of `topapi/v2/user/list`. @public */
export const DINGTALK_USER_PAGE_MAX = 100;

// DingTalk answers "not found" with these (department 60003, user 60121).
const DEPARTMENT_NOT_FOUND = '60003';
const USER_NOT_FOUND = '60121';

const department = z.object({
  dept_id: z.number(),
  name: z.string(),
  parent_id: z.number().optional().nullable(),
});
const listSubResponse = z.object({ result: z.array(department) });
const departmentGetResponse = z.object({ result: department });
const user = z.object({
  userid: z.string(),
  unionid: z.string().optional().nullable(),
  name: z.string().optional().nullable(),
  email: z.string().optional().nullable(),
  org_email: z.string().optional().nullable(),
  mobile: z.string().optional().nullable(),
  avatar: z.string().optional().nullable(),
  title: z.string().optional().nullable(),
  job_number: z.string().optional().nullable(),
  dept_id_list: z.array(z.number()).optional().nullable(),
  active: z.boolean().optional().nullable(),
});
const userListResponse = z.object({
  result: z.object({
    has_more: z.boolean(),
    next_cursor: z.number().optional().nullable(),
    list: z.array(user),
  }),
});
const userGetResponse = z.object({ result: user });

function toDepartment(d: z.infer<typeof department>): DingtalkDepartment {
  return {
    deptId: d.dept_id,
    name: d.name,
    ...(d.parent_id ? { parentId: d.parent_id } : {}),
  };
}

function toUser(u: z.infer<typeof user>): DingtalkContactUser {
  // DingTalk leaves fields empty ("") rather than out: keep only real values.
  const opt = (v: string | null | undefined) => (v ? v : undefined);
  return {
    userId: u.userid,
    unionId: opt(u.unionid),
    name: u.name || u.userid,
    email: opt(u.email) ?? opt(u.org_email),
    mobile: opt(u.mobile),
    avatar: opt(u.avatar),
    title: opt(u.title),
    jobNumber: opt(u.job_number),
    deptIds: u.dept_id_list ?? [],
    active: u.active ?? undefined,
  };
}

/**
 * DingTalk's contact (address book) APIs, old style: departments and people.
 * Every call goes through the app's client, so it waits for the shared QPS
 * limiter and is counted against the monthly quota like any other. Needs the
 * app's contact permissions (`qyapi_get_department_list`,
 * `qyapi_get_member`); mobile numbers only come with the permission to read
 * them, and are left out otherwise.
 * @public
 */
export class DingtalkContactsApi {
  constructor(private readonly client: DingtalkApiClient) {}

  /** The direct sub-departments of a department (`topapi/v2/department/listsub`). */
  async listSubDepartments(deptId: number): Promise<DingtalkDepartment[]> {
    const body = await this.client.callOldStyle(
      'department.listsub',
      '/topapi/v2/department/listsub',
      { dept_id: deptId, language: 'zh_CN' },
    );
    return parse('department.listsub', listSubResponse, body).result.map(
      toDepartment,
    );
  }

  /** One department, or undefined when DingTalk has none with this id. */
  async getDepartment(deptId: number): Promise<DingtalkDepartment | undefined> {
    try {
      const body = await this.client.callOldStyle(
        'department.get',
        '/topapi/v2/department/get',
        { dept_id: deptId, language: 'zh_CN' },
      );
      return toDepartment(
        parse('department.get', departmentGetResponse, body).result,
      );
    } catch (e) {
      if (e instanceof DingtalkApiError && e.code === DEPARTMENT_NOT_FOUND)
        return undefined;
      throw e;
    }
  }

  /** One page of a department's people (`topapi/v2/user/list`, at most 100 a page). */
  async listUsers(req: {
    deptId: number;
    cursor?: number;
    size?: number;
  }): Promise<{ items: DingtalkContactUser[]; nextCursor?: number }> {
    const size = Math.min(
      DINGTALK_USER_PAGE_MAX,
      Math.max(1, req.size ?? DINGTALK_USER_PAGE_MAX),
    );
    const body = await this.client.callOldStyle(
      'user.list',
      '/topapi/v2/user/list',
      {
        dept_id: req.deptId,
        cursor: req.cursor ?? 0,
        size,
        language: 'zh_CN',
        contain_access_limit: false,
      },
    );
    const { result } = parse('user.list', userListResponse, body);
    return {
      items: result.list.map(toUser),
      nextCursor:
        result.has_more && typeof result.next_cursor === 'number'
          ? result.next_cursor
          : undefined,
    };
  }

  /** One person with their departments, or undefined when DingTalk has none with this id. */
  async getUser(userId: string): Promise<DingtalkContactUser | undefined> {
    try {
      const body = await this.client.callOldStyle(
        'user.get',
        '/topapi/v2/user/get',
        { userid: userId, language: 'zh_CN' },
      );
      return toUser(parse('user.get', userGetResponse, body).result);
    } catch (e) {
      if (e instanceof DingtalkApiError && e.code === USER_NOT_FOUND)
        return undefined;
      throw e;
    }
  }
}

function parse<T>(api: string, schema: z.ZodType<T, any, any>, body: unknown) {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new DingtalkApiError({
      kind: 'server',
      code: 'unexpected-response',
      message: `unexpected response shape: ${parsed.error.issues
        .map(i => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      status: 200,
      api,
    });
  }
  return parsed.data;
}
