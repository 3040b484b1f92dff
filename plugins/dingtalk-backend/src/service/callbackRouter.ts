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
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  AuthenticationError,
  NotFoundError,
} from '@backstage/errors';
import type {
  DingtalkCardActionRequest,
  DingtalkCardActionResponse,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { DingtalkCryptoError } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { CardsStore } from '../database/CardsStore';
import type { LinksStore } from '../database/LinksStore';
import { rejectNulCharacters } from '../lib/nul';
import {
  CARD_SIGNATURE_HEADER,
  CARD_TIMESTAMP_HEADER,
  type CardCallbackSecrets,
} from './CardCallbackSecrets';
import type { EventProcessor } from './EventProcessor';
import type { IntegrationRegistry } from './IntegrationRegistry';

/** How far DingTalk's timestamp may be from ours before a push is refused as stale or replayed. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const querySchema = z.object({
  signature: z.string().max(128).optional(),
  msg_signature: z.string().max(128).optional(),
  timestamp: z.string().regex(/^\d{10,13}$/, 'timestamp must be a Unix time'),
  nonce: z.string().min(1).max(128),
});

/**
 * DingTalk's callbacks: event subscription (HTTP push) and interactive card
 * button clicks. Not authenticated by Backstage; authenticated by DingTalk's
 * signature and encryption (events) or by DingTalk's signature with the
 * card callback secret only DingTalk was given (card clicks).
 */
export function createCallbackRouter(deps: {
  registry: IntegrationRegistry;
  events: EventProcessor;
  cards: CardsStore;
  links: LinksStore;
  cardSecrets: CardCallbackSecrets;
  discovery: DiscoveryService;
  auth: AuthService;
  logger: LoggerService;
  now?: () => number;
}): express.Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  router.use(rejectNulCharacters);
  // The encrypted "success" is the same answer to every push: DingTalk only
  // decrypts it and checks its signature, and nothing in it refers to the
  // push. Each one costs an AES encryption, a SHA-1 and fresh random bytes,
  // about a tenth of the callback's time (bench/callback.ts); one per
  // integration per second keeps its timestamp current.
  const replies = new WeakMap<object, { second: number; body: unknown }>();
  const success = (crypto: ReturnType<IntegrationRegistry['crypto']>) => {
    const second = Math.floor(now() / 1000);
    let cached = replies.get(crypto);
    if (!cached || cached.second !== second) {
      cached = { second, body: crypto.encryptReply('success', String(now())) };
      replies.set(crypto, cached);
    }
    return cached.body;
  };

  router.post(
    '/integrations/:id/events',
    express.json({ limit: '64kb' }),
    async (req, res) => {
      const known = await deps.registry.findForCallback(req.params.id);
      if (!known)
        throw new NotFoundError(
          `No DingTalk integration with id '${req.params.id}'`,
        );
      const query = querySchema.safeParse(req.query);
      if (!query.success) {
        throw new InputError(
          `Not a DingTalk event push: ${query.error.issues
            .map(i => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      }
      const { timestamp, nonce } = query.data;
      const signature = query.data.msg_signature ?? query.data.signature;
      if (!signature)
        throw new InputError('Not a DingTalk event push: signature is missing');
      const encrypt = req.body?.encrypt;
      if (typeof encrypt !== 'string' || encrypt.length === 0) {
        throw new InputError(
          'Not a DingTalk event push: the body must be {"encrypt": "..."}',
        );
      }
      const ms =
        timestamp.length <= 10 ? Number(timestamp) * 1000 : Number(timestamp);
      let integration = known;
      let opened = open(deps.registry.crypto(integration), {
        signature,
        timestamp,
        nonce,
        encrypt,
      });
      if (opened.error) {
        // The Signature Token or aes_key may have just changed on another replica.
        const fresh = await deps.registry.findForCallback(req.params.id, {
          fresh: true,
        });
        if (fresh && fresh.updatedAt !== integration.updatedAt) {
          integration = fresh;
          opened = open(deps.registry.crypto(integration), {
            signature,
            timestamp,
            nonce,
            encrypt,
          });
        }
      }
      if (opened.error) throw opened.error;
      // Checked after the signature: only DingTalk's own pushes are told they are stale.
      if (Math.abs(now() - ms) > MAX_CLOCK_SKEW_MS) {
        throw new InputError(
          'The event timestamp is stale (more than 5 minutes off): refused as a possible replay',
        );
      }
      const crypto = deps.registry.crypto(integration);
      const message = opened.message!;
      let result;
      try {
        result = await deps.events.process(integration, message);
      } catch (e) {
        if (e instanceof SyntaxError)
          throw new InputError(`Refused DingTalk event: ${e.message}`);
        throw e;
      }
      deps.logger.debug?.(
        `DingTalk event ${result.eventType}${
          result.duplicate ? ' (duplicate)' : ''
        } for ${integration.id}`,
      );
      res.json(success(crypto));
    },
  );

  router.post(
    '/integrations/:id/card-callback',
    express.json({ limit: '64kb' }),
    rejectNulCharacters,
    async (req, res) => {
      const integration = await deps.registry.findForCallback(req.params.id);
      if (!integration)
        throw new NotFoundError(
          `No DingTalk integration with id '${req.params.id}'`,
        );
      // Before anything is parsed or forwarded: only DingTalk knows the secret.
      await deps.cardSecrets.verify(integration.id, {
        timestamp: req.get(CARD_TIMESTAMP_HEADER),
        signature: req.get(CARD_SIGNATURE_HEADER),
      });
      res.json(
        await handleCardAction(
          deps,
          integration.id,
          parseCardCallback(req.body),
        ),
      );
    },
  );

  return router;
}

/** Checks a push's signature and decrypts it; the error is the 4xx to answer. */
function open(
  crypto: ReturnType<IntegrationRegistry['crypto']>,
  push: {
    signature: string;
    timestamp: string;
    nonce: string;
    encrypt: string;
  },
): { message?: string; error?: Error } {
  if (
    !crypto.verify(push.signature, push.timestamp, push.nonce, push.encrypt)
  ) {
    return {
      error: new AuthenticationError(
        'The DingTalk signature does not match: check the Signature Token',
      ),
    };
  }
  try {
    return { message: crypto.decrypt(push.encrypt) };
  } catch (e) {
    if (e instanceof DingtalkCryptoError) {
      const reason =
        e.reason === 'receiver-mismatch'
          ? 'the event was encrypted for another app (receiver id is not this Client ID)'
          : `the event cannot be decrypted (${e.reason}): check the aes_key`;
      return { error: new InputError(`Refused DingTalk event: ${reason}`) };
    }
    throw e;
  }
}

const cardCallbackSchema = z
  .object({
    outTrackId: z.string().min(1).max(128),
    userId: z.string().min(1).max(128),
    content: z.string().max(20_000).optional(),
    value: z.string().max(20_000).optional(),
  })
  .passthrough();

/** The body of a card callback, as DingTalk sends it over HTTP and in a Stream-mode CALLBACK frame. */
export function parseCardCallback(
  body: unknown,
): z.infer<typeof cardCallbackSchema> {
  const parsed = cardCallbackSchema.safeParse(body);
  if (!parsed.success)
    throw new InputError(
      'Not a DingTalk card callback: outTrackId and userId are required',
    );
  return parsed.data;
}

/**
 * A card button was clicked: find who clicked and which plugin owns the card,
 * forward the action, and answer DingTalk with the card's new params and a
 * message for the clicker. Used by HTTP callbacks and Stream mode alike.
 */
export async function handleCardAction(
  deps: {
    cards: CardsStore;
    links: LinksStore;
    discovery: DiscoveryService;
    auth: AuthService;
    logger: LoggerService;
    registry: IntegrationRegistry;
  },
  integrationId: string,
  body: {
    outTrackId: string;
    userId: string;
    content?: string;
    value?: string;
  },
) {
  let action = '';
  let params: Record<string, string> = {};
  try {
    const content = JSON.parse(body.content ?? body.value ?? '{}');
    action = String(content?.cardPrivateData?.actionIds?.[0] ?? '');
    params = content?.cardPrivateData?.params ?? {};
  } catch {
    throw new InputError('Not a DingTalk card callback: content is not JSON');
  }
  const card = await deps.cards.get(body.outTrackId);
  const link = await deps.links.byDingtalkUser(integrationId, body.userId);
  const answer = (message: string, cardParamMap?: Record<string, string>) => ({
    ...(cardParamMap
      ? {
          cardData: { cardParamMap },
          cardUpdateOptions: { updateCardDataByKey: true },
        }
      : {}),
    userPrivateData: { cardParamMap: { message } },
    message,
  });
  if (!card?.callback) return answer('This card has no actions any more.');
  const forward: DingtalkCardActionRequest = {
    integrationId,
    outTrackId: body.outTrackId,
    action,
    params,
    dingtalkUserId: body.userId,
    userEntityRef: link?.userEntityRef ?? null,
  };
  let reply: DingtalkCardActionResponse | undefined;
  try {
    const baseUrl = await deps.discovery.getBaseUrl(card.callback.pluginId);
    const { token } = await deps.auth.getPluginRequestToken({
      onBehalfOf: await deps.auth.getOwnServiceCredentials(),
      targetPluginId: card.callback.pluginId,
    });
    const res = await fetch(`${baseUrl}${card.callback.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(forward),
    });
    reply = (await res.json().catch(() => undefined)) as
      | DingtalkCardActionResponse
      | undefined;
    if (!res.ok) {
      const message =
        (reply as any)?.error?.message ?? `the action failed (${res.status})`;
      return answer(String(message));
    }
  } catch (e) {
    deps.logger.warn(
      `Forwarding a DingTalk card action to ${card.callback.pluginId} failed: ${e}`,
    );
    return answer('The action could not be completed; try again in Backstage.');
  }
  if (!link) {
    const integration = await deps.registry.get(integrationId);
    const home = deps.registry.toPublic(integration).urls.homepageUrl;
    return answer(
      reply?.message ??
        `Link your DingTalk account to Backstage first: open ${home}`,
    );
  }
  return answer(reply?.message ?? 'Done', reply?.cardParamMap);
}
