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

// Robot messages: one-to-one (batchSend) and into a group the robot is in.
import type { EmulatorContext } from '../context';
import { ApiError, newId, requireFields, requirePermission } from '../errors';
import type { EmuApp } from '../state';
import type { EmulatorControl } from '../types';

export function parseMsgParam(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string') {
    throw new ApiError(
      400,
      'InvalidParameter',
      'msgParam must be a JSON string',
    );
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(400, 'InvalidParameter', 'msgParam is not valid JSON');
  }
}

/** The app's own robot, or a scene-group template bot of the app's corp. */
export function checkRobot(
  ctx: EmulatorContext,
  app: EmuApp,
  robotCode: string,
) {
  const isGroupBot = [...ctx.state.templates.values()].some(
    t => t.botId === robotCode && t.corpId === app.corpId,
  );
  if (robotCode !== app.appKey && !isGroupBot) {
    throw new ApiError(400, 'robot.not.exist', `robotCode ${robotCode} 不存在`);
  }
}

export function robotSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'messages'> {
  ctx.newApi(
    'post',
    '/v1.0/robot/oToMessages/batchSend',
    'robot.oToMessages.batchSend',
    (req, app) => {
      const body = req.body ?? {};
      requireFields(body, ['robotCode', 'userIds', 'msgKey', 'msgParam']);
      requirePermission(app, 'qyapi_robot_sendmsg');
      checkRobot(ctx, app, body.robotCode);
      if (!Array.isArray(body.userIds) || body.userIds.length === 0) {
        throw new ApiError(
          400,
          'InvalidParameter',
          'userIds must be a non-empty array',
        );
      }
      if (body.userIds.length > 20) {
        throw new ApiError(
          400,
          'InvalidParameter.UserIds.Exceed',
          'userIds 最多 20 个',
        );
      }
      const msgParam = parseMsgParam(body.msgParam);
      const invalid: string[] = [];
      for (const userId of body.userIds) {
        const user = ctx.state.users.get(userId);
        if (!user || user.corpId !== app.corpId) {
          invalid.push(userId);
          continue;
        }
        ctx.state.messages.push({
          id: newId('m'),
          appKey: app.appKey,
          space: 'user',
          userId,
          robotCode: body.robotCode,
          msgKey: body.msgKey,
          msgParam,
          at: ctx.now(),
        });
      }
      return {
        processQueryKey: newId('pqk'),
        invalidStaffIdList: invalid,
        flowControlledStaffIdList: [],
      };
    },
  );

  ctx.newApi(
    'post',
    '/v1.0/robot/groupMessages/send',
    'robot.groupMessages.send',
    (req, app) => {
      const body = req.body ?? {};
      requireFields(body, [
        'robotCode',
        'openConversationId',
        'msgKey',
        'msgParam',
      ]);
      requirePermission(app, 'qyapi_robot_sendmsg');
      checkRobot(ctx, app, body.robotCode);
      const group = ctx.groupOf(body.openConversationId);
      const robotInGroup =
        group.coolApps.includes(app.appKey) ||
        (group.botId !== undefined && group.botId === body.robotCode);
      if (!robotInGroup) {
        throw new ApiError(
          400,
          'robot.not.in.group',
          '机器人不在群内（请先在群中安装酷应用）',
        );
      }
      // about 20 posts a minute into one group (limits.ts): 130101
      ctx.limits.admitGroupPost(body.robotCode, body.openConversationId);
      ctx.state.messages.push({
        id: newId('m'),
        appKey: app.appKey,
        space: 'group',
        openConversationId: group.openConversationId,
        robotCode: body.robotCode,
        msgKey: body.msgKey,
        msgParam: parseMsgParam(body.msgParam),
        at: ctx.now(),
      });
      return { processQueryKey: newId('pqk') };
    },
  );

  return {
    messages(filter = {}) {
      return ctx.state.messages.filter(
        m =>
          (!filter.userId || m.userId === filter.userId) &&
          (!filter.openConversationId ||
            m.openConversationId === filter.openConversationId) &&
          (!filter.appKey || m.appKey === filter.appKey),
      );
    },
  };
}
