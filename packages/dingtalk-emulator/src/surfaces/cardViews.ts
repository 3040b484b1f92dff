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

// Private versus public card data. DingTalk keeps a card's public data
// (every viewer sees it) apart from private data per viewer: the card data a
// callback's reply carries changes the card only for the person who clicked;
// to change it for everyone the app calls the update API
// (PUT /v1.0/card/instances with `cardData`; its `privateData` sets one
// person's). A viewer sees the public data with their private data over it,
// and the clicker, until the next public update, what the reply showed them
// (a reply re-renders the clicker's card; an update re-renders everyone's
// from DingTalk's copy, in which the reply's card data is not).
import type { EmulatorContext } from '../context';
import { ApiError } from '../errors';
import type { EmuCard } from '../state';
import type { EmulatorControl } from '../types';

/** Sets (merges) one viewer's private data. */
export function setPrivateData(
  card: EmuCard,
  userId: string,
  params: Record<string, string>,
  byKey = true,
) {
  const all = card.privateData ?? {};
  all[userId] = byKey ? { ...(all[userId] ?? {}), ...params } : { ...params };
  card.privateData = all;
}

/** What a callback's reply showed the clicker. */
export function setClickerView(
  card: EmuCard,
  userId: string,
  params: Record<string, string>,
) {
  const all = card.clickerViews ?? {};
  all[userId] = { ...(all[userId] ?? {}), ...params };
  card.clickerViews = all;
}

/** The card as `userId` sees it. */
export function viewOf(card: EmuCard, userId: string) {
  return {
    ...card.cardParamMap,
    ...(card.privateData?.[userId] ?? {}),
    ...(card.clickerViews?.[userId] ?? {}),
  };
}

export function cardViewsSurface(
  ctx: EmulatorContext,
): Pick<EmulatorControl, 'cardView' | 'cardViewers'> {
  const cardOf = (outTrackId: string) => {
    const card = ctx.state.cards.get(outTrackId);
    if (!card)
      throw new ApiError(404, 'card.not.exist', `unknown card ${outTrackId}`);
    return card;
  };
  return {
    cardView: ({ outTrackId, userId }) => viewOf(cardOf(outTrackId), userId),
    cardViewers: ({ outTrackId }) => {
      const viewers = new Set<string>();
      for (const space of cardOf(outTrackId).spaces) {
        const [type, id] = space.split('.', 2);
        if (type === 'IM_ROBOT') viewers.add(id);
        if (type === 'IM_GROUP')
          for (const m of ctx.state.groups.get(id)?.members ?? [])
            viewers.add(m);
      }
      return [...viewers];
    },
  };
}
