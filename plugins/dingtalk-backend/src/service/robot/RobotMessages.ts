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

import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { DingtalkRobotMessageEvent } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { z } from 'zod';
import type { EventsStore } from '../../database/EventsStore';
import type { StoredIntegration } from '../../database/IntegrationsStore';
import type { LinksStore } from '../../database/LinksStore';

const id = z.string().min(1).max(256);

/**
 * A robot message as DingTalk sends it, over HTTP and in a Stream frame's
 * data (the official SDK's ChatbotMessage): only the fields used here are
 * checked, the rest is ignored.
 */
const robotMessageSchema = z
  .object({
    msgId: id,
    msgtype: z.string().min(1).max(64),
    conversationType: z.enum(['1', '2']),
    conversationId: id,
    conversationTitle: z.string().max(256).optional(),
    senderStaffId: z.string().max(128).optional(),
    senderId: z.string().max(256).optional(),
    senderNick: z.string().max(256).optional(),
    chatbotUserId: z.string().max(256).optional(),
    chatbotCorpId: z.string().max(128).optional(),
    robotCode: z.string().max(128).optional(),
    isInAtList: z.boolean().optional(),
    atUsers: z
      .array(
        z
          .object({
            dingtalkId: z.string().max(256).optional(),
            staffId: z.string().max(128).optional(),
          })
          .passthrough(),
      )
      .max(200)
      .optional(),
    text: z
      .object({ content: z.string().max(20_000) })
      .passthrough()
      .optional(),
    createAt: z.number().optional(),
  })
  .passthrough();

export function parseRobotMessage(body: unknown) {
  const parsed = robotMessageSchema.safeParse(body);
  if (!parsed.success) {
    throw new InputError(
      `Not a DingTalk robot message: ${parsed.error.issues
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * Robot messages, from the HTTP callback and from Stream mode alike: each
 * is checked to be for this integration's robots, de-duplicated on
 * DingTalk's `msgId`, its sender and mentions resolved to account links,
 * and published for other plugins (DINGTALK_ROBOT_MESSAGE_TOPIC).
 */
export class RobotMessages {
  constructor(
    private readonly deps: {
      events: EventsStore;
      links: Pick<LinksStore, 'byDingtalkUser'>;
      publish: (event: DingtalkRobotMessageEvent) => Promise<void>;
      logger: LoggerService;
    },
  ) {}

  async receive(
    integration: StoredIntegration,
    body: unknown,
  ): Promise<{ duplicate: boolean; event?: DingtalkRobotMessageEvent }> {
    const m = parseRobotMessage(body);
    const robotCode = m.robotCode ?? integration.clientId;
    let robot: DingtalkRobotMessageEvent['robot'];
    if (robotCode === integration.clientId) robot = 'app';
    else if (robotCode === integration.warRoom.botId) robot = 'war-room';
    else {
      throw new InputError(
        `Refused robot message: robot ${robotCode} is neither this integration's app robot nor its war-room group bot`,
      );
    }
    if (m.chatbotCorpId && m.chatbotCorpId !== integration.corpId) {
      throw new InputError(
        'Refused robot message: it is for a robot of another organisation',
      );
    }
    const key = `robot:${m.msgId}`;
    const at = new Date().toISOString();
    // Only the id is kept: the message text is not stored by this plugin.
    if (
      !(await this.deps.events.claim(
        integration.id,
        key,
        'robot_message',
        '{}',
        at,
        'done',
      ))
    ) {
      return { duplicate: true };
    }
    try {
      const event = await this.#event(integration, m, robot, robotCode);
      await this.deps.publish(event);
      return { duplicate: false, event };
    } catch (e) {
      // Not handled: DingTalk's retry (or the stream's re-delivery) gets another go.
      await this.deps.events.release(integration.id, key);
      throw e;
    }
  }

  async #event(
    integration: StoredIntegration,
    m: z.infer<typeof robotMessageSchema>,
    robot: DingtalkRobotMessageEvent['robot'],
    robotCode: string,
  ): Promise<DingtalkRobotMessageEvent> {
    const senderId = m.senderStaffId ?? '';
    const link = senderId
      ? await this.deps.links.byDingtalkUser(integration.id, senderId)
      : undefined;
    const mentioned = [
      ...new Set(
        (m.atUsers ?? [])
          .filter(u => u.staffId && u.dingtalkId !== m.chatbotUserId)
          .map(u => u.staffId!),
      ),
    ].slice(0, 20);
    const mentions = await Promise.all(
      mentioned.map(async dingtalkUserId => ({
        dingtalkUserId,
        userEntityRef:
          (
            await this.deps.links.byDingtalkUser(integration.id, dingtalkUserId)
          )?.userEntityRef ?? null,
      })),
    );
    const direct = m.conversationType === '1';
    return {
      integrationId: integration.id,
      corpId: integration.corpId,
      messageId: m.msgId,
      robot,
      robotCode,
      conversation: direct
        ? { type: 'direct', dingtalkUserId: senderId }
        : {
            type: 'group',
            openConversationId: m.conversationId,
            ...(m.conversationTitle ? { title: m.conversationTitle } : {}),
          },
      sender: {
        dingtalkUserId: senderId,
        ...(m.senderNick ? { name: m.senderNick } : {}),
        userEntityRef: link?.userEntityRef ?? null,
      },
      msgtype: m.msgtype,
      text: m.msgtype === 'text' ? (m.text?.content ?? '').trim() : '',
      mentions,
      mentionedRobot: direct || m.isInAtList === true,
      sentAt: new Date(m.createAt ?? Date.now()).toISOString(),
    };
  }
}
