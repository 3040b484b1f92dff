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

// A person clicking a card button: DingTalk calls the app back (over the
// Stream gateway, or signed HTTP to the registered URL) and applies the
// card data the app answers with.
import type { EmulatorContext } from '../context';
import { cardCallbackSignature } from '../crypto';
import { ApiError } from '../errors';
import type { EmuApp, EmuCard } from '../state';
import type { EmulatorControl } from '../types';
import { setClickerView, setPrivateData } from './cardViews';

export const CARD_CALLBACK_TOPIC = '/v1.0/card/instances/callback';

export function cardCallbacksSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'clickCardButton'> {
  return {
    async clickCardButton({ outTrackId, userId, actionId, params }) {
      const card = ctx.state.cards.get(outTrackId);
      if (!card)
        throw new ApiError(404, 'card.not.exist', `unknown card ${outTrackId}`);
      const app = ctx.appOf(card.appKey);
      const space =
        card.spaces.find(s => s === `IM_ROBOT.${userId}`) ??
        card.spaces.find(s => s.startsWith('IM_GROUP.')) ??
        '';
      const [spaceType, spaceId] = space.split('.', 2);
      const privateData = JSON.stringify({
        cardPrivateData: { actionIds: [actionId], params: params ?? {} },
      });
      const body = {
        outTrackId,
        corpId: app.corpId,
        userId,
        userIdType: 1,
        type: 'actionCallback',
        spaceType,
        spaceId,
        content: privateData,
        value: privateData,
      };
      // The card's own callbackType decides, not how the app takes events:
      // an HTTP card is called back at the registered URL even for an app
      // on Stream mode.
      const { status, response } =
        card.callbackType === 'STREAM'
          ? await overStream(ctx, app, body)
          : await overHttp(ctx, app, body);
      applyReply(ctx, card, userId, status, response);
      return { status, response };
    },
  };
}

async function overStream(ctx: EmulatorContext, app: EmuApp, body: object) {
  // no answer in time: a timeout; an error answer: the click failed
  const answer = await ctx.stream.callbackAnswer(
    app,
    CARD_CALLBACK_TOPIC,
    body,
  );
  if (!answer) return { status: 504, response: undefined };
  if (answer.code !== 200)
    return { status: answer.code, response: { message: answer.message } };
  return { status: 200, response: answer.data?.response ?? answer.data };
}

async function overHttp(ctx: EmulatorContext, app: EmuApp, body: object) {
  if (!app.cardCallbackUrl) {
    throw new ApiError(
      409,
      'callback.not.registered',
      'the app registered no card callback URL',
    );
  }
  // DingTalk signs the callback with the registered apiSecret: the time in
  // ms and base64(HMAC-SHA256(apiSecret, that time)).
  const headers: Record<string, string> = {
    'content-type': 'application/json',
  };
  if (app.cardApiSecret) {
    const timestamp = String(ctx.now());
    headers['x-ddpaas-signature-timestamp'] = timestamp;
    headers['x-ddpaas-signature'] = cardCallbackSignature(
      app.cardApiSecret,
      timestamp,
    );
  }
  const res = await fetch(app.cardCallbackUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ctx.pushTimeoutMs),
  });
  return {
    status: res.status,
    response: (await res.json().catch(() => undefined)) as any,
  };
}

/**
 * The reply's card data (`cardData` and `userPrivateData`) changes the card
 * for the clicker only, as DingTalk does: everyone else's view changes
 * through the update API (src/surfaces/cardViews.ts).
 */
function applyReply(
  ctx: EmulatorContext,
  card: EmuCard,
  userId: string,
  status: number,
  response: any,
) {
  if (status !== 200) return;
  const shown = response?.cardData?.cardParamMap;
  if (shown && typeof shown === 'object') setClickerView(card, userId, shown);
  const own = response?.userPrivateData?.cardParamMap;
  if (own && typeof own === 'object') setPrivateData(card, userId, own);
  if (shown || own) card.updatedAt = ctx.now();
}
