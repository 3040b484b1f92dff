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

// The robot's messages: one-to-one (oToMessages) and into group chats.
import { z } from 'zod';
import type {
  ClientArgs as Args,
  DingtalkTransport,
} from './DingtalkTransport';

/** The most users DingTalk accepts in one oToMessages/batchSend call. @public */
export const DINGTALK_BATCH_SEND_MAX_USERS = 20;

const batchSendResponse = z.object({
  processQueryKey: z.string(),
  invalidStaffIdList: z.array(z.string()).optional().default([]),
  flowControlledStaffIdList: z.array(z.string()).optional().default([]),
});
const groupSendResponse = z.object({ processQueryKey: z.string() });

/** One-to-one robot messages; at most 20 users per call. */
export async function batchSendOToMessages(
  t: DingtalkTransport,
  req: Args<'batchSendOToMessages'>[0],
) {
  if (req.userIds.length > DINGTALK_BATCH_SEND_MAX_USERS) {
    throw new Error(
      `batchSend takes at most ${DINGTALK_BATCH_SEND_MAX_USERS} users`,
    );
  }
  const body = await t.call('robot.oToMessages.batchSend', {
    host: 'api',
    method: 'POST',
    path: '/v1.0/robot/oToMessages/batchSend',
    idempotent: false,
    body: {
      robotCode: req.robotCode ?? t.clientId,
      userIds: req.userIds,
      msgKey: req.msgKey,
      msgParam: JSON.stringify(req.msgParam),
    },
  });
  return t.parse('robot.oToMessages.batchSend', batchSendResponse, body);
}

export async function sendGroupMessage(
  t: DingtalkTransport,
  req: Args<'sendGroupMessage'>[0],
) {
  const body = await t.call('robot.groupMessages.send', {
    host: 'api',
    method: 'POST',
    path: '/v1.0/robot/groupMessages/send',
    idempotent: false,
    body: {
      robotCode: req.robotCode ?? t.clientId,
      openConversationId: req.openConversationId,
      msgKey: req.msgKey,
      msgParam: JSON.stringify(req.msgParam),
    },
  });
  return t.parse('robot.groupMessages.send', groupSendResponse, body);
}
