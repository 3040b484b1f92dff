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

// The organisation: departments and people through DingTalk's old-style
// contact APIs (topapi/v2/department/listsub, .../get, topapi/v2/user/list),
// with DingTalk's limits (at most 100 people a page) and permission errors,
// and the address-book events DingTalk pushes when the organisation changes.
import type { EmulatorContext } from '../context';
import { ApiError, requireFields, requirePermission } from '../errors';
import type { EmuApp, EmuDepartment, EmuUser } from '../state';
import type { EmulatorControl, PushResult } from '../types';

const ROOT = 1;
const MOBILE_PERMISSION = 'Contact.User.mobile';

const deptNotFound = (id: unknown) =>
  new ApiError(400, 'dept.not.found', `部门不存在: ${id}`, 60003);
const badParam = (message: string) =>
  new ApiError(400, 'invalid.param', message, 40035);

type ControlMethods =
  | 'createDepartment'
  | 'orgAddDepartment'
  | 'orgUpdateDepartment'
  | 'orgRemoveDepartment'
  | 'orgAddUser'
  | 'orgUpdateUser'
  | 'orgRemoveUser';

export function contactsSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, ControlMethods> {
  const key = (corpId: string, deptId: number) => `${corpId}:${deptId}`;
  let nextDeptId = 500_000_000;
  ctx.onReset(() => {
    nextDeptId = 500_000_000;
  });

  /** A corp's department; the root exists as long as the corp does. */
  function department(
    corpId: string,
    deptId: number,
  ): EmuDepartment | undefined {
    const found = ctx.state.departments.get(key(corpId, deptId));
    if (found) return found;
    if (deptId === ROOT && ctx.state.corps.has(corpId)) {
      return {
        corpId,
        deptId: ROOT,
        name: ctx.state.corps.get(corpId)!.name || corpId,
      };
    }
    return undefined;
  }
  const deptsOf = (u: EmuUser) => (u.deptIds?.length ? u.deptIds : [ROOT]);
  const deptId = (value: unknown) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw badParam('dept_id 不合法');
    return n;
  };
  const deptBody = (d: EmuDepartment) => ({
    dept_id: d.deptId,
    name: d.name,
    ...(d.parentId ? { parent_id: d.parentId } : {}),
    create_dept_group: false,
    auto_add_user: false,
  });
  const userBody = (u: EmuUser, app: EmuApp) => ({
    userid: u.userId,
    unionid: u.unionId,
    name: u.name,
    avatar: u.avatar ?? '',
    // DingTalk gives mobile numbers only to apps allowed to read them.
    ...(app.permissions.includes(MOBILE_PERMISSION)
      ? { mobile: u.mobile }
      : {}),
    email: u.email ?? '',
    title: u.title ?? '',
    dept_id_list: deptsOf(u),
    active: u.active ?? true,
    admin: false,
    boss: false,
    leader: false,
  });

  ctx.oldApi(
    '/topapi/v2/department/listsub',
    'department.listsub',
    (req, app) => {
      requirePermission(app, 'qyapi_get_department_list');
      const id =
        req.body?.dept_id === undefined ? ROOT : deptId(req.body.dept_id);
      if (!department(app.corpId, id)) throw deptNotFound(id);
      return {
        result: [...ctx.state.departments.values()]
          .filter(d => d.corpId === app.corpId && d.parentId === id)
          .map(deptBody),
      };
    },
  );

  ctx.oldApi('/topapi/v2/department/get', 'department.get', (req, app) => {
    requireFields(req.body, ['dept_id']);
    requirePermission(app, 'qyapi_get_department_list');
    const d = department(app.corpId, deptId(req.body.dept_id));
    if (!d) throw deptNotFound(req.body.dept_id);
    return { result: deptBody(d) };
  });

  ctx.oldApi('/topapi/v2/user/list', 'user.list', (req, app) => {
    requireFields(req.body, ['dept_id', 'cursor', 'size']);
    requirePermission(app, 'qyapi_get_member');
    const id = deptId(req.body.dept_id);
    const cursor = Number(req.body.cursor);
    const size = Number(req.body.size);
    if (!Number.isSafeInteger(cursor) || cursor < 0)
      throw badParam('cursor 不合法');
    if (!Number.isSafeInteger(size) || size < 1 || size > 100)
      throw badParam('size 不能大于100');
    if (!department(app.corpId, id)) throw deptNotFound(id);
    const members = [...ctx.state.users.values()]
      .filter(u => u.corpId === app.corpId && deptsOf(u).includes(id))
      .sort((a, b) => a.userId.localeCompare(b.userId));
    const page = members.slice(cursor, cursor + size);
    const more = cursor + size < members.length;
    return {
      result: {
        has_more: more,
        ...(more ? { next_cursor: cursor + size } : {}),
        list: page.map(u => userBody(u, app)),
      },
    };
  });

  /** The event to every app of the corp that subscribed to events. */
  async function pushContactEvent(
    corpId: string,
    eventType: string,
    ids: { UserId?: string[]; DeptId?: number[] },
  ): Promise<PushResult[]> {
    const apps = [...ctx.state.apps.values()].filter(
      a => a.corpId === corpId && (a.transport === 'stream' || a.eventUrl),
    );
    return Promise.all(
      apps.map(app =>
        ctx.push(
          app,
          // HTTP push capitalises the keys; Stream mode's data is camelCase.
          app.transport === 'stream'
            ? {
                EventType: eventType,
                timeStamp: ctx.now(),
                ...(ids.UserId ? { userId: ids.UserId } : {}),
                ...(ids.DeptId ? { deptId: ids.DeptId } : {}),
              }
            : {
                EventType: eventType,
                CorpId: corpId,
                TimeStamp: String(ctx.now()),
                ...ids,
              },
        ),
      ),
    );
  }

  function addDepartment(req: {
    corpId: string;
    deptId?: number;
    name: string;
    parentId?: number;
  }): EmuDepartment {
    if (!ctx.state.corps.has(req.corpId))
      throw new ApiError(404, 'corp.not.found', `unknown corp ${req.corpId}`);
    const parentId = req.parentId ?? ROOT;
    if (!department(req.corpId, parentId)) throw deptNotFound(parentId);
    const id = req.deptId ?? nextDeptId++;
    if (id === ROOT || ctx.state.departments.has(key(req.corpId, id)))
      throw badParam(`部门 ${id} 已存在`);
    const d = { corpId: req.corpId, deptId: id, name: req.name, parentId };
    ctx.state.departments.set(key(req.corpId, id), d);
    return d;
  }

  function user(userId: string): EmuUser {
    const u = ctx.state.users.get(userId);
    if (!u) throw new ApiError(404, 'user.not.found', `unknown user ${userId}`);
    return u;
  }

  return {
    createDepartment(req) {
      return { deptId: addDepartment(req).deptId };
    },
    async orgAddDepartment(req) {
      const d = addDepartment(req);
      return {
        deptId: d.deptId,
        pushes: await pushContactEvent(d.corpId, 'org_dept_create', {
          DeptId: [d.deptId],
        }),
      };
    },
    async orgUpdateDepartment(req) {
      const d = department(req.corpId, req.deptId);
      if (!d || d.deptId === ROOT) throw deptNotFound(req.deptId);
      if (req.parentId !== undefined && !department(req.corpId, req.parentId))
        throw deptNotFound(req.parentId);
      ctx.state.departments.set(key(req.corpId, req.deptId), {
        ...d,
        ...(req.name !== undefined ? { name: req.name } : {}),
        ...(req.parentId !== undefined ? { parentId: req.parentId } : {}),
      });
      return {
        deptId: d.deptId,
        pushes: await pushContactEvent(d.corpId, 'org_dept_modify', {
          DeptId: [d.deptId],
        }),
      };
    },
    async orgRemoveDepartment(req) {
      const d = department(req.corpId, req.deptId);
      if (!d || d.deptId === ROOT) throw deptNotFound(req.deptId);
      const busy =
        [...ctx.state.departments.values()].some(
          c => c.corpId === req.corpId && c.parentId === req.deptId,
        ) ||
        [...ctx.state.users.values()].some(
          u => u.corpId === req.corpId && deptsOf(u).includes(req.deptId),
        );
      if (busy)
        throw new ApiError(
          400,
          'dept.not.empty',
          '部门下存在员工或子部门，不能删除',
          60005,
        );
      ctx.state.departments.delete(key(req.corpId, req.deptId));
      return {
        deptId: d.deptId,
        pushes: await pushContactEvent(d.corpId, 'org_dept_remove', {
          DeptId: [d.deptId],
        }),
      };
    },
    async orgAddUser(req) {
      for (const id of req.deptIds ?? [])
        if (!department(req.corpId, id)) throw deptNotFound(id);
      ctx.control.createUser(req);
      return {
        userId: req.userId,
        pushes: await pushContactEvent(req.corpId, 'user_add_org', {
          UserId: [req.userId],
        }),
      };
    },
    async orgUpdateUser({ userId, ...patch }) {
      const u = user(userId);
      for (const id of patch.deptIds ?? [])
        if (!department(u.corpId, id)) throw deptNotFound(id);
      ctx.state.users.set(userId, {
        ...u,
        ...Object.fromEntries(
          Object.entries(patch).filter(([, v]) => v !== undefined),
        ),
      });
      return {
        userId,
        pushes: await pushContactEvent(u.corpId, 'user_modify_org', {
          UserId: [userId],
        }),
      };
    },
    async orgRemoveUser({ userId }) {
      const u = user(userId);
      ctx.state.users.delete(userId);
      return {
        userId,
        pushes: await pushContactEvent(u.corpId, 'user_leave_org', {
          UserId: [userId],
        }),
      };
    },
  };
}
