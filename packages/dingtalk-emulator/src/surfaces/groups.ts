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

// Groups: normal groups with Cool Apps installed (and the events that
// installing, uninstalling and renaming push), and scene groups made from
// a template (war rooms).
import type { Request } from 'express';
import type { EmulatorContext } from '../context';
import { ApiError, newId, requireFields, requirePermission } from '../errors';
import type { EmuApp, EmuGroup } from '../state';
import type { EmulatorControl } from '../types';

const split = (v: unknown) =>
  (Array.isArray(v) ? v : String(v ?? '').split(','))
    .map(s => String(s).trim())
    .filter(Boolean);

/** How DingTalk links a group: a dingtalk:// page link (here to the simulator). */
const groupUrl = (ctx: EmulatorContext, group: EmuGroup) =>
  `dingtalk://dingtalkclient/page/link?url=${encodeURIComponent(
    `${ctx.baseUrl}/#group/${group.openConversationId}`,
  )}`;

const userNotFound = (userId: string) =>
  new ApiError(400, 'user.not.found', `用户 ${userId} 不存在`, 60121);

export function groupsSurface(
  ctx: EmulatorContext,
): Pick<
  EmulatorControl,
  | 'createGroup'
  | 'createSceneGroupTemplate'
  | 'installCoolApp'
  | 'uninstallCoolApp'
  | 'renameGroup'
  | 'groups'
> {
  // group info (normal groups, where the Cool App is installed)
  ctx.newApi(
    'post',
    '/v1.0/im/sceneGroups/query',
    'im.sceneGroups.query',
    (req, app) => {
      requireFields(req.body, ['openConversationId']);
      requirePermission(app, 'qyapi_chat_read');
      const group = ctx.groupOf(req.body.openConversationId);
      if (group.corpId !== app.corpId)
        throw new ApiError(403, 'Forbidden', '无权访问该群');
      // the fields of the SDK's GetSceneGroupInfoResponseBody, no others
      return {
        success: true,
        openConversationId: group.openConversationId,
        title: group.title,
        ownerUserId: group.ownerUserId,
        templateId: group.templateId ?? '',
        groupUrl: groupUrl(ctx, group),
        icon: '',
        // 1: the group exists (DingTalk answers 2 for a dismissed one)
        status: 1,
      };
    },
  );

  ctx.oldApi(
    '/topapi/im/chat/scenegroup/create',
    'im.chat.scenegroup.create',
    (req, app) => createSceneGroup(ctx, req, app),
  );
  const memberChange = (add: boolean) => (req: Request, app: EmuApp) => {
    requireFields(req.body, ['open_conversation_id', 'user_ids']);
    requirePermission(app, 'qyapi_chat_manage');
    const group = ctx.groupOf(req.body.open_conversation_id);
    for (const userId of split(req.body.user_ids)) {
      if (!ctx.state.users.has(userId)) throw userNotFound(userId);
      group.members = add
        ? [...new Set([...group.members, userId])]
        : group.members.filter(m => m !== userId);
    }
    return { success: true };
  };
  ctx.oldApi(
    '/topapi/im/chat/scenegroup/member/add',
    'im.chat.scenegroup.member.add',
    memberChange(true),
  );
  ctx.oldApi(
    '/topapi/im/chat/scenegroup/member/delete',
    'im.chat.scenegroup.member.delete',
    memberChange(false),
  );
  ctx.oldApi(
    '/topapi/im/chat/scenegroup/get',
    'im.chat.scenegroup.get',
    req => {
      requireFields(req.body, ['open_conversation_id']);
      const group = ctx.groupOf(req.body.open_conversation_id);
      return {
        success: true,
        result: {
          open_conversation_id: group.openConversationId,
          chat_id: group.chatId,
          title: group.title,
          owner_staff_id: group.ownerUserId,
          template_id: group.templateId,
          group_url: groupUrl(ctx, group),
        },
      };
    },
  );

  const coolAppEvent = (eventType: string, app: EmuApp, group: EmuGroup) =>
    ctx.push(app, {
      EventType: eventType,
      CorpId: app.corpId,
      OpenConversationId: group.openConversationId,
      CoolAppCode: app.coolAppCode,
      RobotCode: app.appKey,
      OperateTime: ctx.now(),
      TimeStamp: String(ctx.now()),
    });

  return {
    createGroup(req) {
      const group: EmuGroup = {
        corpId: req.corpId,
        openConversationId: req.openConversationId ?? newId('cid'),
        chatId: req.chatId ?? newId('chat'),
        title: req.title,
        ownerUserId: req.ownerUserId,
        members: [...new Set([req.ownerUserId, ...req.memberUserIds])],
        coolApps: [],
      };
      ctx.state.groups.set(group.openConversationId, group);
      return group;
    },
    createSceneGroupTemplate(req) {
      ctx.state.templates.set(req.templateId, { ...req });
    },
    async installCoolApp({ appKey, openConversationId }) {
      const app = ctx.appOf(appKey);
      const group = ctx.groupOf(openConversationId);
      if (!group.coolApps.includes(appKey)) group.coolApps.push(appKey);
      return coolAppEvent('im_cool_app_install', app, group);
    },
    async uninstallCoolApp({ appKey, openConversationId }) {
      const app = ctx.appOf(appKey);
      const group = ctx.groupOf(openConversationId);
      group.coolApps = group.coolApps.filter(k => k !== appKey);
      return coolAppEvent('im_cool_app_uninstall', app, group);
    },
    async renameGroup({ openConversationId, title }) {
      const group = ctx.groupOf(openConversationId);
      group.title = title;
      return Promise.all(
        group.coolApps.map(appKey => {
          const app = ctx.appOf(appKey);
          return ctx.push(app, {
            EventType: 'chat_update_title',
            CorpId: app.corpId,
            ChatId: group.chatId,
            OpenConversationId: group.openConversationId,
            Title: title,
            TimeStamp: String(ctx.now()),
          });
        }),
      );
    },
    groups(filter = {}) {
      return [...ctx.state.groups.values()].filter(
        g => !filter.corpId || g.corpId === filter.corpId,
      );
    },
  };
}

function createSceneGroup(ctx: EmulatorContext, req: Request, app: EmuApp) {
  const body = req.body ?? {};
  requireFields(body, ['title', 'template_id', 'owner_user_id']);
  requirePermission(app, 'qyapi_chat_manage');
  const template = ctx.state.templates.get(body.template_id);
  if (!template || template.corpId !== app.corpId) {
    throw new ApiError(
      400,
      'template.not.found',
      `群模板 ${body.template_id} 不存在或未启用`,
      4000003,
    );
  }
  if (body.uuid) {
    // DingTalk's idempotency key: the same uuid answers the same group
    const existing = [...ctx.state.groups.values()].find(
      g => g.uuid === body.uuid && g.corpId === app.corpId,
    );
    if (existing) {
      return {
        success: true,
        result: {
          open_conversation_id: existing.openConversationId,
          chat_id: existing.chatId,
        },
      };
    }
  }
  const members = new Set([body.owner_user_id, ...split(body.user_ids)]);
  for (const userId of members) {
    if (!ctx.state.users.has(userId)) throw userNotFound(userId);
  }
  const group: EmuGroup = {
    corpId: app.corpId,
    openConversationId: newId('cid'),
    chatId: newId('chat'),
    title: String(body.title),
    ownerUserId: body.owner_user_id,
    members: [...members],
    coolApps: [],
    templateId: template.templateId,
    botId: template.botId,
    uuid: body.uuid,
  };
  ctx.state.groups.set(group.openConversationId, group);
  return {
    success: true,
    result: {
      open_conversation_id: group.openConversationId,
      chat_id: group.chatId,
    },
  };
}
