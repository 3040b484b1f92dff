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

// A person writing in a chat: DingTalk hands the message to the robots that
// receive it (the app's robot when @mentioned in a group where its Cool App
// is installed or in a one-to-one chat with it; a scene group's template bot
// for every message of its group), over Stream (CALLBACK topic
// /v1.0/im/bot/messages/get) or as a signed HTTP POST to the robot's message
// receiving URL: headers `timestamp` (ms) and `sign` =
// base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret)).
import { createHmac } from 'node:crypto';
import type { EmulatorContext } from '../context';
import { ApiError, newId } from '../errors';
import type { EmuApp, EmuGroup, EmuUser } from '../state';
import type { EmulatorControl, RobotMessageDelivery } from '../types';

export const ROBOT_MESSAGE_TOPIC = '/v1.0/im/bot/messages/get';

/** The robot's \@name a person types, e.g. "@bot ack". */
const BOT_MENTION = /(^|\s)@(bot|robot|机器人)(?=\s|$)/giu;

/** An opaque per-person id, as DingTalk's `dingtalkId` / `senderId` are. */
const opaque = (kind: string, id: string) =>
  `$:LWCP_v1:$${Buffer.from(`${kind}:${id}`).toString('base64')}`;

export function robotMessageSign(appSecret: string, timestamp: string) {
  return createHmac('sha256', appSecret)
    .update(`${timestamp}\n${appSecret}`)
    .digest('base64');
}

export function robotMessagesSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'sendMessage' | 'chatMessages'> {
  return {
    async sendMessage(req) {
      const sender = ctx.state.users.get(req.senderUserId);
      if (!sender) {
        throw new ApiError(
          404,
          'user.not.found',
          `unknown user ${req.senderUserId}`,
        );
      }
      let text = String(req.text ?? '');
      let atBot = req.atBot ?? false;
      if (new RegExp(BOT_MENTION.source, 'iu').test(text)) atBot = true;
      // DingTalk leaves the robot's @name out of text.content
      text = text.replace(BOT_MENTION, '$1').trim();
      const group = req.openConversationId
        ? ctx.groupOf(req.openConversationId)
        : undefined;
      if (group && !group.members.includes(sender.userId)) {
        throw new ApiError(
          403,
          'not.member',
          `${sender.userId} is not in the group`,
        );
      }
      const mentioned = mentions(ctx, text, group, req.atUserIds);
      const robots = group
        ? groupRobots(ctx, group, atBot)
        : directRobot(ctx, sender, req.appKey);
      const at = ctx.now();
      const msgId = newId('msg');
      ctx.state.chatMessages.push({
        msgId,
        senderUserId: sender.userId,
        openConversationId: group?.openConversationId,
        appKey: group ? undefined : robots[0]?.app.appKey,
        text,
        atUserIds: mentioned.map(u => u.userId),
        atBot,
        at,
      });
      const deliveries: RobotMessageDelivery[] = [];
      for (const { app, robotCode } of robots) {
        const body = {
          msgId,
          msgtype: 'text',
          text: { content: ` ${text}` },
          createAt: at,
          conversationType: group ? '2' : '1',
          conversationId: group
            ? group.openConversationId
            : `cid${Buffer.from(`${app.appKey}:${sender.userId}`)
                .toString('hex')
                .slice(0, 32)}`,
          ...(group ? { conversationTitle: group.title } : {}),
          senderId: opaque('user', sender.userId),
          senderNick: sender.name,
          senderStaffId: sender.userId,
          senderCorpId: sender.corpId,
          chatbotCorpId: app.corpId,
          chatbotUserId: opaque('bot', robotCode),
          robotCode,
          isAdmin: group ? group.ownerUserId === sender.userId : false,
          isInAtList: group ? atBot : true,
          atUsers: [
            ...(atBot || !group
              ? [{ dingtalkId: opaque('bot', robotCode) }]
              : []),
            ...mentioned.map(u => ({
              dingtalkId: opaque('user', u.userId),
              staffId: u.userId,
            })),
          ],
          sessionWebhook: `${ctx.baseUrl}/robot/sendBySession?session=${newId(
            'session',
          )}`,
          sessionWebhookExpiredTime: at + 90 * 60_000,
        };
        deliveries.push(await deliver(ctx, app, robotCode, body));
      }
      return { msgId, deliveries };
    },
    chatMessages(filter = {}) {
      return ctx.state.chatMessages.filter(
        m =>
          (!filter.openConversationId ||
            m.openConversationId === filter.openConversationId) &&
          (!filter.userId || m.senderUserId === filter.userId),
      );
    },
  };
}

/** @names in the text that are members' names or user ids, and the ids given. */
function mentions(
  ctx: EmulatorContext,
  text: string,
  group: EmuGroup | undefined,
  atUserIds: string[] = [],
): EmuUser[] {
  const people = (group?.members ?? [...ctx.state.users.keys()])
    .map(id => ctx.state.users.get(id))
    .filter((u): u is EmuUser => !!u);
  const named = [...text.matchAll(/@([^\s@]+)/gu)].map(m => m[1].toLowerCase());
  const found = people.filter(
    u =>
      atUserIds.includes(u.userId) ||
      named.includes(u.userId.toLowerCase()) ||
      named.includes(u.name.toLowerCase()) ||
      named.includes(u.name.split(/\s+/)[0].toLowerCase()),
  );
  for (const id of atUserIds) {
    if (!found.some(u => u.userId === id)) {
      throw new ApiError(
        400,
        'user.not.found',
        `cannot @mention ${id}: not in the chat`,
      );
    }
  }
  return found;
}

function groupRobots(ctx: EmulatorContext, group: EmuGroup, atBot: boolean) {
  const out: Array<{ app: EmuApp; robotCode: string }> = [];
  if (group.botId) {
    // The template's bot is in its scene group and receives every message.
    for (const app of ctx.state.apps.values()) {
      if (app.corpId === group.corpId)
        out.push({ app, robotCode: group.botId });
    }
  }
  if (atBot) {
    for (const appKey of group.coolApps) {
      out.push({ app: ctx.appOf(appKey), robotCode: appKey });
    }
  }
  return out;
}

function directRobot(ctx: EmulatorContext, sender: EmuUser, appKey?: string) {
  const apps = [...ctx.state.apps.values()].filter(
    a => a.corpId === sender.corpId && (!appKey || a.appKey === appKey),
  );
  if (apps.length !== 1) {
    throw new ApiError(
      400,
      'app.not.found',
      appKey
        ? `no app ${appKey} in ${sender.corpId}`
        : `name the app (appKey): ${apps.length} apps in ${sender.corpId}`,
    );
  }
  return [{ app: apps[0], robotCode: apps[0].appKey }];
}

async function deliver(
  ctx: EmulatorContext,
  app: EmuApp,
  robotCode: string,
  body: object,
): Promise<RobotMessageDelivery> {
  const base = { appKey: app.appKey, robotCode };
  if (app.transport === 'stream') {
    // no answer in time: 504; an error answer keeps its code (400 refused,
    // 500 not processed), as the gateway reports it
    const answer = await ctx.stream.callbackAnswer(
      app,
      ROBOT_MESSAGE_TOPIC,
      body,
    );
    return {
      ...base,
      transport: 'stream',
      status: answer ? answer.code : 504,
    };
  }
  if (!app.robotMessageUrl) {
    return {
      ...base,
      transport: 'http',
      status: 0,
      error: 'the robot has no message receiving URL',
    };
  }
  const timestamp = String(ctx.now());
  try {
    const res = await fetch(app.robotMessageUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        timestamp,
        sign: robotMessageSign(app.appSecret, timestamp),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ctx.pushTimeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { ...base, transport: 'http', status: res.status };
  } catch (e) {
    return {
      ...base,
      transport: 'http',
      status: 0,
      error: String((e as Error).message ?? e),
    };
  }
}
