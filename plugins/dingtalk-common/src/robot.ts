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

/**
 * The Backstage events topic on which the DingTalk backend publishes every
 * robot message it received and verified.
 * @public
 */
export const DINGTALK_ROBOT_MESSAGE_TOPIC = 'dingtalk.robot.message';

/**
 * Where a robot message was written, and so where a reply goes.
 * @public
 */
export type DingtalkConversation =
  | {
      type: 'group';
      openConversationId: string;
      title?: string;
    }
  | {
      type: 'direct';
      /** The DingTalk user id of the other person (the sender). */
      dingtalkUserId: string;
    };

/**
 * A message someone wrote to a robot (the app's robot in a group or a
 * one-to-one chat, or the war-room template's group bot), as published on
 * {@link DINGTALK_ROBOT_MESSAGE_TOPIC} after DingTalk's signature was checked
 * (HTTP) or over the Stream connection.
 * @public
 */
export interface DingtalkRobotMessageEvent {
  integrationId: string;
  corpId: string;
  /** DingTalk's message id (`msgId`); repeated deliveries are dropped before publishing. */
  messageId: string;
  /** `app`: the app's robot (robotCode = Client ID); `war-room`: the template's group bot. */
  robot: 'app' | 'war-room';
  robotCode: string;
  conversation: DingtalkConversation;
  sender: {
    dingtalkUserId: string;
    name?: string;
    /** The sender's linked Backstage user, null when not linked (act on nothing then). */
    userEntityRef: string | null;
  };
  /** `msgtype` as DingTalk sends it; `text` carries `text.content`. */
  msgtype: string;
  /** The text (`text.content`), trimmed; empty for other message types. */
  text: string;
  /** People \@mentioned (not the robot), with their links when they have one. */
  mentions: Array<{ dingtalkUserId: string; userEntityRef: string | null }>;
  /** Whether the robot was \@mentioned (`isInAtList`); always true in a one-to-one chat. */
  mentionedRobot: boolean;
  /** ISO time DingTalk gives the message (`createAt`). */
  sentAt: string;
}

/**
 * What a plugin asks the DingTalk backend to say in a conversation a robot
 * message came from (`DingtalkNotifierService.reply`). The same robot
 * answers, through the QPS limiter, the quota and the per-conversation rate.
 * @public
 */
export interface DingtalkRobotReplyRequest {
  integrationId: string;
  robot: 'app' | 'war-room';
  conversation: DingtalkConversation;
  message:
    | { type: 'text'; content: string }
    | { type: 'markdown'; title: string; text: string };
  /** For the operation record, e.g. an incident id. */
  reference?: string;
}
