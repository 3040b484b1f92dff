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

// Users: by mobile, by userid, and by the login code an app's page got.
import type { EmulatorContext } from '../context';
import { ApiError, requireFields, requirePermission } from '../errors';
import type { EmulatorControl } from '../types';

const notFound = () =>
  new ApiError(400, 'user.not.found', '找不到该用户', 60121);

export function usersSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'createUser'> {
  ctx.oldApi('/topapi/v2/user/getbymobile', 'user.getbymobile', (req, app) => {
    requireFields(req.body, ['mobile']);
    requirePermission(app, 'qyapi_get_member_by_mobile');
    const user = [...ctx.state.users.values()].find(
      u => u.mobile === String(req.body.mobile) && u.corpId === app.corpId,
    );
    if (!user) throw notFound();
    return { result: { userid: user.userId } };
  });

  ctx.oldApi('/topapi/v2/user/get', 'user.get', (req, app) => {
    requireFields(req.body, ['userid']);
    requirePermission(app, 'qyapi_get_member');
    const user = ctx.state.users.get(String(req.body.userid));
    if (!user || user.corpId !== app.corpId) throw notFound();
    return {
      result: {
        userid: user.userId,
        unionid: user.unionId,
        name: user.name,
        avatar: user.avatar ?? '',
        mobile: user.mobile,
        email: user.email ?? '',
        // as DingTalk's user/get answers them (the org sync reads them; surfaces/contacts.ts)
        dept_id_list: user.deptIds?.length ? user.deptIds : [1],
        title: user.title ?? '',
        active: user.active ?? true,
      },
    };
  });

  ctx.oldApi('/topapi/v2/user/getuserinfo', 'user.getuserinfo', (req, app) => {
    requireFields(req.body, ['code']);
    const entry = ctx.state.authCodes.get(String(req.body.code));
    if (!entry || entry.appKey !== app.appKey || entry.expiresAt <= ctx.now()) {
      throw new ApiError(400, 'invalid.code', '不存在的临时授权码', 40078);
    }
    ctx.state.authCodes.delete(String(req.body.code));
    const user = ctx.state.users.get(entry.userId)!;
    return {
      result: {
        userid: user.userId,
        unionid: user.unionId,
        name: user.name,
        sys: false,
        sys_level: 0,
      },
    };
  });

  return {
    createUser(req) {
      ctx.state.users.set(req.userId, {
        unionId: `union-${req.userId}`,
        ...req,
      });
      return { userId: req.userId };
    },
  };
}
