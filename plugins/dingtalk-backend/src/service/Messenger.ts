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
  DeliveryOutcome,
  DeliveryRecord,
  DingtalkMessage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import {
  DINGTALK_BATCH_SEND_MAX_USERS,
  DingtalkApiClient,
  DingtalkApiError,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { CardsStore } from '../database/CardsStore';
import type { StoredIntegration } from '../database/IntegrationsStore';
import type { LinksStore } from '../database/LinksStore';
import type { RecordsStore } from '../database/RecordsStore';
import type {
  DingtalkSettings,
  IntegrationRegistry,
} from './IntegrationRegistry';

type Record_ = Omit<DeliveryRecord, 'id' | 'createdAt'>;

export function outcomeOf(e: unknown): {
  outcome: DeliveryOutcome;
  error: string;
} {
  if (e instanceof DingtalkApiError) {
    if (e.kind === 'flow-control')
      return { outcome: 'flow controlled', error: e.message };
    if (e.kind === 'quota')
      return { outcome: 'quota exhausted', error: e.message };
    return { outcome: 'failed', error: e.message };
  }
  return { outcome: 'failed', error: String((e as Error)?.message ?? e) };
}

/**
 * Sends messages and cards to people (by Backstage user entity ref, through
 * their account links) and group chats, in the fewest calls DingTalk allows:
 * up to 20 people per call, one call per group. Every recipient gets an
 * operation record, including those who were not sent anything because their
 * DingTalk account is not linked.
 */
export class Messenger {
  constructor(
    private readonly deps: {
      registry: IntegrationRegistry;
      links: LinksStore;
      records: RecordsStore;
      cards: CardsStore;
      settings: DingtalkSettings;
      logger: LoggerService;
      onCalls?: (integration: StoredIntegration) => void;
    },
  ) {}

  async send(req: {
    integration: StoredIntegration;
    reference?: string;
    users?: string[];
    groups?: string[];
    message: DingtalkMessage;
    /** The caller stopped waiting: the DingTalk calls in flight are aborted. */
    signal?: AbortSignal;
  }): Promise<DeliveryRecord[]> {
    const { integration, reference, message, signal } = req;
    const client = this.deps.registry.client(integration);
    const users = [...new Set(req.users ?? [])];
    const groups = [...new Set(req.groups ?? [])];
    if (users.length === 0 && groups.length === 0)
      throw new InputError('Give at least one user or group');
    const links = await this.deps.links.byUsers(integration.id, users);
    const out: Record_[] = [];
    const base = { integrationId: integration.id, reference };

    for (const user of users.filter(u => !links.has(u))) {
      out.push({
        ...base,
        recipientType: 'user',
        recipient: user,
        outcome: 'app not linked',
      });
    }
    const linked = users
      .filter(u => links.has(u))
      .map(u => ({ ref: u, dingtalkUserId: links.get(u)!.dingtalkUserId }));

    if (message.type === 'card') {
      await this.deps.cards.save(
        {
          outTrackId: message.outTrackId,
          integrationId: integration.id,
          reference,
          callback: message.callback,
        },
        new Date().toISOString(),
      );
      const params = cardParams(message);
      let created = false;
      const deliver = async (spaces: {
        users?: string[];
        groups?: string[];
      }) => {
        const api = created
          ? 'card.instances.deliver'
          : 'card.instances.createAndDeliver';
        if (!created) {
          const result = await client.createAndDeliverCard(
            {
              outTrackId: message.outTrackId,
              cardTemplateId: this.deps.settings.cardTemplateId,
              cardParamMap: params,
              // Over HTTP, clicks go to the callback URL registered under this
              // key; without one DingTalk sends them over Stream mode.
              callbackRouteKey:
                integration.transport === 'http'
                  ? callbackRouteKey(integration.id)
                  : undefined,
              atUserIds: message.atUserIds,
              ...spaces,
            },
            { signal },
          );
          created = true;
          return { api, results: result.deliverResults };
        }
        return {
          api,
          results: await client.deliverCard(
            {
              outTrackId: message.outTrackId,
              atUserIds: message.atUserIds,
              ...spaces,
            },
            { signal },
          ),
        };
      };
      for (const chunk of chunks(linked, DINGTALK_BATCH_SEND_MAX_USERS)) {
        await this.attempt(
          out,
          base,
          chunk.map(u => ({
            type: 'user' as const,
            recipient: u.ref,
            dingtalkUserId: u.dingtalkUserId,
          })),
          async () => {
            const { api, results } = await deliver({
              users: chunk.map(u => u.dingtalkUserId),
            });
            return {
              api,
              failed: new Map(
                results
                  .filter(r => !r.success)
                  .map(r => [r.spaceId, refusal(r)]),
              ),
            };
          },
        );
      }
      for (const group of groups) {
        await this.attempt(
          out,
          base,
          [{ type: 'group', recipient: group }],
          async () => {
            const { api, results } = await deliver({ groups: [group] });
            return {
              api,
              failed: new Map(
                results
                  .filter(r => !r.success)
                  .map(r => [r.spaceId, refusal(r)]),
              ),
            };
          },
        );
      }
    } else {
      const { msgKey, msgParam } = robotMessage(message);
      for (const chunk of chunks(linked, DINGTALK_BATCH_SEND_MAX_USERS)) {
        await this.attempt(
          out,
          base,
          chunk.map(u => ({
            type: 'user' as const,
            recipient: u.ref,
            dingtalkUserId: u.dingtalkUserId,
          })),
          async () => {
            const r = await client.batchSendOToMessages({
              userIds: chunk.map(u => u.dingtalkUserId),
              msgKey,
              msgParam,
            });
            const failed = new Map<string, string>();
            for (const id of r.invalidStaffIdList)
              failed.set(id, 'not a member of the organisation');
            for (const id of r.flowControlledStaffIdList)
              failed.set(id, 'flow controlled');
            return { api: 'robot.oToMessages.batchSend', failed };
          },
        );
      }
      for (const group of groups) {
        await this.attempt(
          out,
          base,
          [{ type: 'group', recipient: group }],
          async () => {
            await client.sendGroupMessage({
              openConversationId: group,
              msgKey,
              msgParam,
            });
            return { api: 'robot.groupMessages.send', failed: new Map() };
          },
        );
      }
    }
    const saved = await this.deps.records.add(out, new Date().toISOString());
    this.deps.onCalls?.(integration);
    return saved;
  }

  async updateCard(
    integration: StoredIntegration,
    outTrackId: string,
    cardParamMap: Record<string, string>,
    signal?: AbortSignal,
  ) {
    await this.deps.registry
      .client(integration)
      .updateCard({ outTrackId, cardParamMap }, { signal });
    this.deps.onCalls?.(integration);
  }

  /** Runs one DingTalk call for some recipients and records each one's outcome. */
  private async attempt(
    out: Record_[],
    base: { integrationId: string; reference?: string },
    recipients: Array<{
      type: 'user' | 'group';
      recipient: string;
      dingtalkUserId?: string;
    }>,
    call: () => Promise<{ api: string; failed: Map<string, string> }>,
  ) {
    try {
      const { api, failed } = await call();
      for (const r of recipients) {
        const reason = failed.get(r.dingtalkUserId ?? r.recipient);
        out.push({
          ...base,
          recipientType: r.type,
          recipient: r.recipient,
          dingtalkUserId: r.dingtalkUserId,
          outcome: outcomeFor(reason),
          api,
          error: reason,
        });
      }
    } catch (e) {
      const { outcome, error } = outcomeOf(e);
      this.deps.logger.warn(`DingTalk delivery failed: ${error}`);
      for (const r of recipients) {
        out.push({
          ...base,
          recipientType: r.type,
          recipient: r.recipient,
          dingtalkUserId: r.dingtalkUserId,
          outcome,
          api: (e as DingtalkApiError)?.api,
          error,
        });
      }
    }
  }
}

function outcomeFor(reason: string | undefined): DeliveryOutcome {
  if (!reason) return 'sent';
  return reason.startsWith('flow controlled') ? 'flow controlled' : 'failed';
}

/** Why DingTalk did not deliver a card to one space (130101: that group is throttled). */
function refusal(r: { errorMsg?: string | null; flowControlled: boolean }) {
  const why = r.errorMsg ?? 'not delivered';
  return r.flowControlled ? `flow controlled (${why})` : why;
}

export function callbackRouteKey(integrationId: string) {
  return `backstage-dingtalk-${integrationId}`;
}

/** Card parameters, including the buttons as JSON for the card template. */
export function cardParams(
  message: Extract<DingtalkMessage, { type: 'card' }>,
): Record<string, string> {
  return {
    title: message.title,
    markdown: message.markdown,
    actions: JSON.stringify(message.actions ?? []),
    ...(message.cardParamMap ?? {}),
  };
}

function robotMessage(message: Exclude<DingtalkMessage, { type: 'card' }>) {
  return message.type === 'text'
    ? { msgKey: 'sampleText', msgParam: { content: message.content } }
    : {
        msgKey: 'sampleMarkdown',
        msgParam: { title: message.title, text: message.text },
      };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

export type { DingtalkApiClient };
