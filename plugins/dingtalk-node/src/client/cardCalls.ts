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

// Interactive cards: create and deliver, deliver to more spaces, update,
// and the callback URL of their clicks.
import { z } from 'zod';
import { isDingtalkGroupThrottled } from './errors';
import type {
  ClientArgs as Args,
  DingtalkTransport,
} from './DingtalkTransport';

/**
 * A space DingTalk refused because the robot posts too fast into that group
 * (130101) is marked: that group is throttled for minutes, the others are
 * not, so the caller holds back there only and delivers later.
 */
function withFlowControl<T extends { errorMsg?: string | null }>(r: T) {
  return { ...r, flowControlled: isDingtalkGroupThrottled(r.errorMsg) };
}

const cardDeliverResponse = z.object({
  success: z.boolean().optional(),
  result: z.object({
    outTrackId: z.string().optional(),
    deliverResults: z
      .array(
        z
          .object({
            spaceType: z.string().optional(),
            spaceId: z.string(),
            success: z.boolean(),
            errorMsg: z.string().optional().nullable(),
          })
          .transform(withFlowControl),
      )
      .optional()
      .default([]),
  }),
});

/**
 * Where a card goes, as both createAndDeliver and deliver take it: the open
 * space id listing every group and person, and the robot that posts it.
 */
function deliverSpaces(
  t: DingtalkTransport,
  req: {
    robotCode?: string;
    groups?: string[];
    users?: string[];
    atUserIds?: string[];
  },
) {
  const robotCode = req.robotCode ?? t.clientId;
  const spaces = [
    ...(req.groups ?? []).map(g => `IM_GROUP.${g}`),
    ...(req.users ?? []).map(u => `IM_ROBOT.${u}`),
  ];
  return {
    openSpaceId: `dtv1.card//${spaces.join(';')}`,
    imGroupOpenDeliverModel: req.groups?.length
      ? {
          robotCode,
          atUserIds: Object.fromEntries((req.atUserIds ?? []).map(u => [u, u])),
        }
      : undefined,
    imRobotOpenDeliverModel: req.users?.length
      ? { spaceType: 'IM_ROBOT', robotCode }
      : undefined,
  };
}

/** Creates an interactive card and delivers it to group chats and/or people. */
export async function createAndDeliverCard(
  t: DingtalkTransport,
  req: Args<'createAndDeliverCard'>[0],
  opts: Args<'createAndDeliverCard'>[1] = {},
) {
  const spaces = deliverSpaces(t, req);
  const body = await t.call('card.instances.createAndDeliver', {
    host: 'api',
    method: 'POST',
    path: '/v1.0/card/instances/createAndDeliver',
    signal: opts.signal,
    body: {
      cardTemplateId: req.cardTemplateId,
      outTrackId: req.outTrackId,
      callbackType: req.callbackRouteKey ? 'HTTP' : 'STREAM',
      callbackRouteKey: req.callbackRouteKey,
      cardData: { cardParamMap: req.cardParamMap },
      openSpaceId: spaces.openSpaceId,
      imGroupOpenSpaceModel: req.groups?.length
        ? { supportForward: true }
        : undefined,
      imGroupOpenDeliverModel: spaces.imGroupOpenDeliverModel,
      imRobotOpenSpaceModel: req.users?.length
        ? { supportForward: true }
        : undefined,
      imRobotOpenDeliverModel: spaces.imRobotOpenDeliverModel,
    },
  });
  return t.parse('card.instances.createAndDeliver', cardDeliverResponse, body)
    .result;
}

/** Delivers an existing card instance to more group chats and/or people. */
export async function deliverCard(
  t: DingtalkTransport,
  req: Args<'deliverCard'>[0],
  opts: Args<'deliverCard'>[1] = {},
) {
  const spaces = deliverSpaces(t, req);
  const body = await t.call('card.instances.deliver', {
    host: 'api',
    method: 'POST',
    path: '/v1.0/card/instances/deliver',
    signal: opts.signal,
    body: {
      outTrackId: req.outTrackId,
      ...spaces,
    },
  });
  const parsed = z
    .object({
      result: z
        .array(
          z
            .object({
              spaceId: z.string(),
              success: z.boolean(),
              errorMsg: z.string().optional().nullable(),
            })
            .transform(withFlowControl),
        )
        .optional()
        .default([]),
    })
    .safeParse(body);
  return parsed.success ? parsed.data.result : [];
}

export async function updateCard(
  t: DingtalkTransport,
  req: Args<'updateCard'>[0],
  opts: Args<'updateCard'>[1] = {},
) {
  await t.call('card.instances.update', {
    host: 'api',
    method: 'PUT',
    path: '/v1.0/card/instances',
    signal: opts.signal,
    body: {
      outTrackId: req.outTrackId,
      cardData: { cardParamMap: req.cardParamMap },
      cardUpdateOptions: { updateCardDataByKey: true },
    },
  });
}

/**
 * Registers (or, with forceUpdate, replaces) the URL DingTalk posts card
 * clicks of `callbackRouteKey` to. With an `apiSecret` DingTalk signs every
 * callback: `x-ddpaas-signature-timestamp` and `x-ddpaas-signature` =
 * base64(HMAC-SHA256(apiSecret, timestamp)).
 */
export async function registerCardCallback(
  t: DingtalkTransport,
  req: Args<'registerCardCallback'>[0],
) {
  await t.call('card.callbacks.register', {
    host: 'api',
    method: 'POST',
    path: '/v1.0/card/callbacks/register',
    body: { ...req, forceUpdate: true },
  });
}
