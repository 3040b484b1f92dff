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

import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  DINGTALK_ROBOT_MESSAGE_TOPIC,
  type DingtalkRobotMessageEvent,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type {
  OncallChannel,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import type { Knex } from 'knex';
import { ChatCommands } from './ChatCommands';
import { ConversationIncidents } from './ConversationIncidents';
import { WarRoomEcho } from './WarRoomEcho';

/** The events subscriber id: one delivery per message across replicas. */
export const CHAT_SUBSCRIBER_ID = 'oncall-dingtalk-chat-commands';

/**
 * Makes the DingTalk channel two-way: robot messages published by the
 * dingtalk backend (DINGTALK_ROBOT_MESSAGE_TOPIC) become chat commands and
 * war-room timeline entries, and the war room follows the incident. Returns
 * the channel to register: the same channel, whose `notify` and `update`
 * also keep its war room current, and whose `bind` hands the host's
 * incident actions to the commands too.
 */
export async function attachChatCommands<C extends OncallChannel>(opts: {
  channel: C;
  notifier: DingtalkNotifierService;
  events: EventsService;
  db: Knex;
  config: RootConfigService;
  logger: LoggerService;
}): Promise<C> {
  const { channel, notifier, db, config, logger } = opts;
  const options = config.getOptionalConfig('oncall.channels.dingtalk');
  const appBaseUrl =
    config.getOptionalString('app.baseUrl') ?? 'http://localhost:3000';
  const timeline = options?.getOptionalConfig('warRoomTimeline');
  const perIntegration = timeline?.getOptionalConfig('integrations');
  let actions: OncallIncidentActions | undefined;
  const conversations = new ConversationIncidents(db);
  const echo = new WarRoomEcho({
    notifier,
    conversations,
    actions: () => actions,
    logger,
    appBaseUrl,
    allowedLinkHosts: options?.getOptionalStringArray('allowedLinkHosts'),
  });
  const commands = new ChatCommands({
    notifier,
    conversations,
    actions: () => actions,
    echo,
    logger,
    appBaseUrl,
    timeline: {
      enabled: timeline?.getOptionalBoolean('enabled') ?? true,
      integrations: Object.fromEntries(
        (perIntegration?.keys() ?? []).map(k => [
          k,
          perIntegration!.getBoolean(k),
        ]),
      ),
      maxMessageChars: timeline?.getOptionalNumber('maxMessageChars') ?? 2000,
    },
  });
  await opts.events.subscribe({
    id: CHAT_SUBSCRIBER_ID,
    topics: [DINGTALK_ROBOT_MESSAGE_TOPIC],
    onEvent: async ({ eventPayload }) => {
      await commands
        .handle(eventPayload as DingtalkRobotMessageEvent)
        .catch(e => logger.error('DingTalk chat message failed', e as Error));
    },
  });

  const hooks: Partial<OncallChannel> = {
    async notify(req) {
      const results = await channel.notify(req);
      await echo
        .onNotify(req)
        .catch(e => logger.warn(`War room invite failed: ${e}`));
      return results;
    },
    async update(req) {
      await channel.update(req);
      await echo
        .onChange(req)
        .catch(e => logger.warn(`War room post failed: ${e}`));
    },
    bind(ctx) {
      actions = ctx.incidents;
      channel.bind?.(ctx);
    },
  };
  // Everything else (id, title, listTargets, warRooms, the channel's own
  // methods the module's routers call) is the channel itself.
  return new Proxy(channel, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in hooks) {
        return hooks[prop as keyof OncallChannel];
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
