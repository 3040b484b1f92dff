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

import { createBackendModule } from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  DINGTALK_ROBOT_MESSAGE_TOPIC,
  type DingtalkRobotMessageEvent,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { createHmac } from 'node:crypto';
import { APP } from './backend';

// Fixtures of robotMessages.test.ts, moved here to keep that file short.

/** Another plugin's module that keeps what the dingtalk backend publishes. */
export function capture(into: DingtalkRobotMessageEvent[]) {
  return createBackendModule({
    pluginId: 'dingtalk',
    moduleId: 'robot-capture',
    register(reg) {
      reg.registerInit({
        deps: { events: eventsServiceRef },
        async init({ events }) {
          await events.subscribe({
            id: 'robot-capture',
            topics: [DINGTALK_ROBOT_MESSAGE_TOPIC],
            onEvent: async e => {
              into.push(e.eventPayload as DingtalkRobotMessageEvent);
            },
          });
        },
      });
    },
  });
}

/** The `sign` header DingTalk puts on a robot message posted at `timestamp`. */
export const sign = (secret: string, timestamp: string) =>
  createHmac('sha256', secret)
    .update(`${timestamp}\n${secret}`)
    .digest('base64');

/** A robot message as DingTalk posts it to the robot URL; `over` replaces fields. */
export const message = (over: object = {}) => ({
  msgId: `msg-${Math.random()}`,
  msgtype: 'text',
  text: { content: ' ack' },
  conversationType: '2',
  conversationId: 'cid-forged',
  senderStaffId: 'alice',
  senderNick: 'Alice',
  robotCode: APP.appKey,
  isInAtList: true,
  createAt: Date.now(),
  ...over,
});
