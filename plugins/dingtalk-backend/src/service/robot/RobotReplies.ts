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
import type {
  DeliveryRecord,
  DingtalkRobotReplyRequest,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { StoredIntegration } from '../../database/IntegrationsStore';
import type { RecordsStore } from '../../database/RecordsStore';
import type { Knex } from 'knex';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import { outcomeOf } from '../Messenger';
import { ReplyRateLimiter } from './ReplyRateLimiter';

/**
 * Replies a robot may post into one conversation per minute. DingTalk
 * throttles a robot at about 20 messages a minute per group (130101, then
 * minutes of silence); replies keep to half of that so that incident cards
 * and escalations into the same group always have room.
 */
export const DEFAULT_REPLIES_PER_MINUTE = 10;

/**
 * Answers in the conversation a robot message came from, as the robot that
 * received it, through the API client (QPS limiter and quota) and a
 * per-conversation rate shared by all replicas (ReplyRateLimiter); every
 * reply is an operation record. Not the
 * message's `sessionWebhook`: that bypasses the limiter, the quota counter
 * and the records.
 */
export class RobotReplies {
  readonly #rate: ReplyRateLimiter;

  constructor(
    private readonly deps: {
      registry: IntegrationRegistry;
      records: RecordsStore;
      /** The plugin's database: the per-conversation rate is counted there. */
      db: Knex;
      logger: LoggerService;
      perMinute?: number;
      onCalls?: (integration: StoredIntegration) => void;
      now?: () => number;
    },
  ) {
    this.#rate = new ReplyRateLimiter(deps.db, this.#perMinute, deps.now);
  }

  async reply(
    integration: StoredIntegration,
    req: Omit<DingtalkRobotReplyRequest, 'integrationId'>,
  ): Promise<DeliveryRecord> {
    const robotCode =
      req.robot === 'war-room'
        ? integration.warRoom.botId
        : integration.clientId;
    if (!robotCode) {
      throw new InputError(
        `Integration '${integration.id}' has no war-room group bot (warRoom.botId)`,
      );
    }
    const { conversation, message } = req;
    const group = conversation.type === 'group';
    const recipient = group
      ? conversation.openConversationId
      : conversation.dingtalkUserId;
    const msgKey = message.type === 'text' ? 'sampleText' : 'sampleMarkdown';
    const msgParam =
      message.type === 'text'
        ? { content: message.content }
        : { title: message.title, text: message.text };
    const base = {
      integrationId: integration.id,
      reference: req.reference,
      recipientType: group ? ('group' as const) : ('user' as const),
      recipient,
      ...(group ? {} : { dingtalkUserId: recipient }),
      api: group ? 'robot.groupMessages.send' : 'robot.oToMessages.batchSend',
    };
    let record: Omit<DeliveryRecord, 'id' | 'createdAt'>;
    if (
      !(await this.#rate.take(`${integration.id}|${robotCode}|${recipient}`))
    ) {
      record = {
        ...base,
        outcome: 'flow controlled',
        error: `more than ${
          this.#perMinute
        } replies a minute in this conversation`,
      };
    } else {
      try {
        const client = this.deps.registry.client(integration);
        if (group) {
          await client.sendGroupMessage({
            openConversationId: recipient,
            robotCode,
            msgKey,
            msgParam,
          });
          record = { ...base, outcome: 'sent' };
        } else {
          const r = await client.batchSendOToMessages({
            userIds: [recipient],
            robotCode,
            msgKey,
            msgParam,
          });
          const failed =
            r.invalidStaffIdList.includes(recipient) ||
            r.flowControlledStaffIdList.includes(recipient);
          record = failed
            ? { ...base, outcome: 'failed', error: 'not delivered' }
            : { ...base, outcome: 'sent' };
        }
      } catch (e) {
        const { outcome, error } = outcomeOf(e);
        this.deps.logger.warn(`DingTalk robot reply failed: ${error}`);
        record = { ...base, outcome, error };
      }
      this.deps.onCalls?.(integration);
    }
    const [saved] = await this.deps.records.add(
      [record],
      new Date().toISOString(),
    );
    return saved;
  }

  get #perMinute() {
    return this.deps.perMinute ?? DEFAULT_REPLIES_PER_MINUTE;
  }
}
