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

// Interactive cards: create and deliver into groups and one-to-one chats,
// deliver to more spaces, update, and the callback route registration.
import type { EmulatorContext } from '../context';
import { ApiError, newId, requireFields } from '../errors';
import type { EmuApp, EmuCard } from '../state';
import type { EmulatorControl } from '../types';
import { setPrivateData } from './cardViews';

/**
 * Delivers into each space of `openSpaceId`. A group card is posted by a
 * robot that is in the group: the app's own robot where its Cool App is
 * installed, or the scene group's template bot
 * (`imGroupOpenDeliverModel.robotCode`).
 */
function deliverTo(
  ctx: EmulatorContext,
  app: EmuApp,
  openSpaceId: string,
  groupRobotCode?: string,
) {
  const spaces = openSpaceId
    .replace(/^dtv1\.card\/\//, '')
    .split(';')
    .filter(Boolean);
  return spaces.map(space => {
    const [type, id] = space.split('.', 2) as [string, string];
    let ok = false;
    let errorMsg = 'unsupported space';
    if (type === 'IM_GROUP') {
      const group = ctx.state.groups.get(id);
      const robot = groupRobotCode ?? app.appKey;
      ok =
        !!group &&
        group.corpId === app.corpId &&
        ((robot === app.appKey && group.coolApps.includes(app.appKey)) ||
          (group.botId !== undefined && group.botId === robot));
      errorMsg = 'robot not in group';
      // a robot posts about 20 messages a minute into one group (limits.ts)
      if (ok && !ctx.limits.groupPostAllowed(robot, id)) {
        ok = false;
        errorMsg = '130101: 发送速度太快而限流';
      }
    } else if (type === 'IM_ROBOT') {
      const user = ctx.state.users.get(id);
      ok = !!user && user.corpId === app.corpId;
      errorMsg = 'user not found';
    } else {
      return {
        spaceType: type,
        spaceId: id,
        success: false,
        errorMsg,
        carrierId: '',
      };
    }
    return {
      spaceType: type,
      spaceId: id,
      success: ok,
      errorMsg: ok ? undefined : errorMsg,
      carrierId: newId('c'),
    };
  });
}

/** The app's card by outTrackId, or DingTalk's "card does not exist". */
export function cardOf(ctx: EmulatorContext, app: EmuApp, outTrackId: string) {
  const card = ctx.state.cards.get(outTrackId);
  if (!card || card.appKey !== app.appKey) {
    throw new ApiError(400, 'card.not.exist', `卡片 ${outTrackId} 不存在`);
  }
  return card;
}

export function cardsSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'cards'> {
  const { now } = ctx;

  ctx.newApi(
    'post',
    '/v1.0/card/instances/createAndDeliver',
    'card.instances.createAndDeliver',
    (req, app) => {
      const body = req.body ?? {};
      // cardData is required (the SDK's CreateAndDeliverRequest), even
      // when it carries no parameters
      requireFields(body, [
        'cardTemplateId',
        'outTrackId',
        'openSpaceId',
        'cardData',
      ]);
      const groupRobotCode = body.imGroupOpenDeliverModel?.robotCode;
      const deliverResults = deliverTo(
        ctx,
        app,
        String(body.openSpaceId),
        groupRobotCode,
      );
      const delivered = deliverResults
        .filter(r => r.success)
        .map(r => `${r.spaceType}.${r.spaceId}`);
      const existing = ctx.state.cards.get(body.outTrackId);
      const cardParamMap = { ...(body.cardData?.cardParamMap ?? {}) };
      const card: EmuCard = existing ?? {
        outTrackId: body.outTrackId,
        appKey: app.appKey,
        cardTemplateId: body.cardTemplateId,
        callbackType: body.callbackType ?? 'STREAM',
        callbackRouteKey: body.callbackRouteKey,
        groupRobotCode,
        cardParamMap,
        spaces: [],
        atUserIds: [],
        history: [],
        createdAt: now(),
        updatedAt: now(),
      };
      card.spaces = [...new Set([...card.spaces, ...delivered])];
      card.atUserIds = body.imGroupOpenDeliverModel?.atUserIds
        ? Object.keys(body.imGroupOpenDeliverModel.atUserIds)
        : card.atUserIds;
      if (existing) {
        card.cardParamMap = { ...card.cardParamMap, ...cardParamMap };
        card.updatedAt = now();
      }
      card.history.push({ at: now(), cardParamMap: { ...card.cardParamMap } });
      ctx.state.cards.set(card.outTrackId, card);
      return {
        success: true,
        result: { outTrackId: body.outTrackId, deliverResults },
      };
    },
  );

  ctx.newApi(
    'post',
    '/v1.0/card/instances/deliver',
    'card.instances.deliver',
    (req, app) => {
      const body = req.body ?? {};
      requireFields(body, ['outTrackId', 'openSpaceId']);
      const card = cardOf(ctx, app, body.outTrackId);
      const results = deliverTo(
        ctx,
        app,
        String(body.openSpaceId),
        body.imGroupOpenDeliverModel?.robotCode,
      );
      card.spaces = [
        ...new Set([
          ...card.spaces,
          ...results
            .filter(r => r.success)
            .map(r => `${r.spaceType}.${r.spaceId}`),
        ]),
      ];
      if (body.imGroupOpenDeliverModel?.atUserIds) {
        card.atUserIds = [
          ...new Set([
            ...card.atUserIds,
            ...Object.keys(body.imGroupOpenDeliverModel.atUserIds),
          ]),
        ];
      }
      return { success: true, result: results };
    },
  );

  ctx.newApi(
    'put',
    '/v1.0/card/instances',
    'card.instances.update',
    (req, app) => {
      const body = req.body ?? {};
      requireFields(body, ['outTrackId']);
      const card = cardOf(ctx, app, body.outTrackId);
      const update = body.cardData?.cardParamMap ?? {};
      card.cardParamMap =
        body.cardUpdateOptions?.updateCardDataByKey === false
          ? { ...update }
          : { ...card.cardParamMap, ...update };
      // every viewer's card is rendered again from DingTalk's copy
      if (body.cardData) card.clickerViews = undefined;
      // one person's view: privateData { userId: { cardParamMap } }
      for (const [userId, data] of Object.entries(body.privateData ?? {}))
        setPrivateData(
          card,
          userId,
          (data as any)?.cardParamMap ?? {},
          body.cardUpdateOptions?.updatePrivateDataByKey !== false,
        );
      card.updatedAt = now();
      card.history.push({ at: now(), cardParamMap: { ...card.cardParamMap } });
      return { success: true, result: true };
    },
  );

  ctx.newApi(
    'post',
    '/v1.0/card/callbacks/register',
    'card.callbacks.register',
    (req, app) => {
      const body = req.body ?? {};
      requireFields(body, ['callbackRouteKey', 'callbackUrl']);
      app.cardCallbackRouteKey = body.callbackRouteKey;
      app.cardCallbackUrl = body.callbackUrl;
      // Like DingTalk: callbacks are signed only when an apiSecret was given.
      app.cardApiSecret =
        typeof body.apiSecret === 'string' && body.apiSecret.length > 0
          ? body.apiSecret
          : undefined;
      return {
        success: true,
        result: {
          callbackUrl: body.callbackUrl,
          ...(app.cardApiSecret ? { apiSecret: app.cardApiSecret } : {}),
        },
      };
    },
  );

  return {
    cards(filter = {}) {
      return [...ctx.state.cards.values()].filter(
        c =>
          (!filter.outTrackId || c.outTrackId === filter.outTrackId) &&
          (!filter.openConversationId ||
            c.spaces.includes(`IM_GROUP.${filter.openConversationId}`)) &&
          (!filter.userId || c.spaces.includes(`IM_ROBOT.${filter.userId}`)),
      );
    },
  };
}
