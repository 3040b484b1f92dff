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

// Group chats: the Cool App's groups (im.sceneGroups) and scene groups from
// a template (war rooms).
import { z } from 'zod';
import type {
  ClientArgs as Args,
  DingtalkTransport,
} from './DingtalkTransport';

const sceneGroupResponse = z.object({
  result: z.object({
    open_conversation_id: z.string(),
    chat_id: z.string().optional(),
  }),
});
const groupQueryResponse = z.object({
  openConversationId: z.string(),
  title: z.string(),
});

/** Title and owner of a group chat the app's Cool App is installed in. */
export async function queryGroup(
  t: DingtalkTransport,
  openConversationId: Args<'queryGroup'>[0],
) {
  const body = await t.call('im.sceneGroups.query', {
    host: 'api',
    method: 'POST',
    path: '/v1.0/im/sceneGroups/query',
    body: { openConversationId },
  });
  return t.parse('im.sceneGroups.query', groupQueryResponse, body);
}

/** A scene group from a template (a war room); idempotent by `uuid`. */
export async function createSceneGroup(
  t: DingtalkTransport,
  req: Args<'createSceneGroup'>[0],
) {
  const body = await t.call('im.chat.scenegroup.create', {
    host: 'oapi',
    method: 'POST',
    path: '/topapi/im/chat/scenegroup/create',
    body: {
      title: req.title,
      template_id: req.templateId,
      owner_user_id: req.ownerUserId,
      user_ids: req.userIds.join(','),
      uuid: req.uuid,
    },
  });
  const parsed = t.parse('im.chat.scenegroup.create', sceneGroupResponse, body);
  return {
    openConversationId: parsed.result.open_conversation_id,
    chatId: parsed.result.chat_id,
  };
}

export async function addSceneGroupMembers(
  t: DingtalkTransport,
  req: Args<'addSceneGroupMembers'>[0],
) {
  await t.call('im.chat.scenegroup.member.add', {
    host: 'oapi',
    method: 'POST',
    path: '/topapi/im/chat/scenegroup/member/add',
    body: {
      open_conversation_id: req.openConversationId,
      user_ids: req.userIds.join(','),
    },
  });
}

export async function getSceneGroup(
  t: DingtalkTransport,
  openConversationId: Args<'getSceneGroup'>[0],
) {
  const body = (await t.call('im.chat.scenegroup.get', {
    host: 'oapi',
    method: 'POST',
    path: '/topapi/im/chat/scenegroup/get',
    body: { open_conversation_id: openConversationId },
  })) as any;
  return body.result ?? {};
}
