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

import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  createEmulator,
  type EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import express from 'express';
import type { Knex } from 'knex';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  ENCRYPTION_KEY,
  INTEGRATION_BODY,
  startDingtalkBackend,
  userEntity,
} from './backend';
import { eventually } from './eventually';

export const CARD = '/api/dingtalk/integrations/acme/card-callback';
export const ROTATE =
  '/api/dingtalk/integrations/acme/card-callback-secret/rotate';
export const MINUTE = 60_000;

// Re-exported: the card tests import everything they wait with from here.
export { eventually };

/** DingTalk's documented calcSignature(apiSecret, ts), written here independently of the backend. */
export function dingtalkSigned(
  apiSecret: string,
  timestamp = String(Date.now()),
) {
  return {
    'x-ddpaas-signature-timestamp': timestamp,
    'x-ddpaas-signature': createHmac('sha256', apiSecret)
      .update(timestamp)
      .digest('base64'),
  };
}

/** The body DingTalk posts for a click on the card, by any `userId` an attacker likes. */
export const clickBody = (userId = 'alice', outTrackId = 'incident-1') => ({
  outTrackId,
  corpId: APP.corpId,
  userId,
  type: 'actionCallback',
  spaceType: 'IM_ROBOT',
  spaceId: userId,
  content: JSON.stringify({
    cardPrivateData: { actionIds: ['acknowledge'], params: {} },
  }),
});

/** A card with an action, sent to alice, whose clicks go to the `cardowner` plugin. */
export const ALICE_CARD = {
  integrationId: 'acme',
  users: ['user:default/alice'],
  message: {
    type: 'card',
    outTrackId: 'incident-1',
    title: 'Checkout down',
    markdown: 'checkout-api 5xx',
    actions: [{ id: 'acknowledge', label: 'Acknowledge' }],
    callback: { pluginId: 'cardowner', path: '/card-action' },
  },
};

/** Links alice by her mobile and sends her ALICE_CARD; answers the send. */
export async function sendAliceCard(server: any) {
  await request(server)
    .post('/api/dingtalk/integrations/acme/links/link-all-by-mobile')
    .expect(200);
  return request(server)
    .post('/api/dingtalk/notify/send')
    .send(ALICE_CARD)
    .expect(200);
}

/** What the `cardowner` plugin receives for alice's click on ALICE_CARD. */
export const aliceClick = (more: object = {}) =>
  expect.objectContaining({
    integrationId: 'acme',
    outTrackId: 'incident-1',
    action: 'acknowledge',
    dingtalkUserId: 'alice',
    ...more,
  });

/** What DingTalk shows the clicker once the `cardowner` plugin has acknowledged. */
export const acknowledgedByAlice = () => ({
  status: 200,
  response: expect.objectContaining({
    message: 'Acknowledged by user:default/alice',
  }),
});

/** A plugin that owns cards: records every click the dingtalk backend forwards. */
export function cardOwnerPlugin(received: any[]) {
  return createBackendPlugin({
    pluginId: 'cardowner',
    register(env) {
      env.registerInit({
        deps: { httpRouter: coreServices.httpRouter },
        async init({ httpRouter }) {
          const router = express.Router();
          router.post('/card-action', express.json(), (req, res) => {
            received.push(req.body);
            res.json({
              message: `Acknowledged by ${req.body.userEntityRef}`,
              cardParamMap: { status: 'acknowledged' },
            });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

/** The emulated DingTalk with the test app and alice; `skew` moves its clock against ours. */
export async function createCardEmulator(clock: { skew: number }) {
  const emu = await createEmulator({ now: () => Date.now() + clock.skew });
  emu.control.createApp({ ...APP, edition: 'standard' });
  emu.control.createUser({
    corpId: APP.corpId,
    userId: 'alice',
    name: 'Alice',
    mobile: '13800000001',
  });
  return emu;
}

/** What DingTalk holds for the app: the registered card callback URL and apiSecret. */
export const emuApp = (emu: EmulatorHandle) => emu.state.apps.get(APP.appKey)!;

/**
 * A backend with integration `acme` (created over the API, or declared in
 * app-config with `configured`), alice linked, and a card with actions sent
 * to her whose clicks go to the `cardowner` plugin.
 */
export async function startWithCard(
  emu: EmulatorHandle,
  knex: Knex,
  opts: { configured?: object; logger?: CapturingLogger } = {},
) {
  const clicks: any[] = [];
  const logger = opts.logger ?? new CapturingLogger();
  const backend = await startDingtalkBackend({
    knex,
    emu,
    logger,
    users: [userEntity('alice', '13800000001')],
    features: [cardOwnerPlugin(clicks)],
    config: opts.configured
      ? {
          dingtalk: {
            apiBaseUrl: emu.baseUrl,
            oapiBaseUrl: emu.baseUrl,
            encryptionKey: ENCRYPTION_KEY,
            integrations: [opts.configured],
          },
        }
      : undefined,
  });
  const s = backend.server;
  if (!opts.configured)
    await request(s)
      .post('/api/dingtalk/integrations')
      .send(INTEGRATION_BODY)
      .expect(201);
  await eventually(() => {
    if (!emuApp(emu).cardApiSecret)
      throw new Error('the card callback was not registered with a secret');
  });
  const sent = await sendAliceCard(s);
  if (sent.body.results?.[0]?.outcome !== 'sent')
    throw new Error(`the card was not sent: ${JSON.stringify(sent.body)}`);
  // What the clicker (alice) sees: a callback's reply re-renders only the
  // clicker's card; others' views change through the update API.
  const status = () =>
    emu.control.cardView({ outTrackId: 'incident-1', userId: 'alice' }).status;
  const click = () =>
    emu.control.clickCardButton({
      outTrackId: 'incident-1',
      userId: 'alice',
      actionId: 'acknowledge',
    });
  /**
   * Waits until `secret` is refused. While a rotation is under way both
   * secrets are accepted (DingTalk may still sign with the old one), so the
   * probe names a card that forwards nothing.
   */
  const refusedOnceRotated = (secret: string) =>
    eventually(async () => {
      const res = await request(s)
        .post(CARD)
        .set(dingtalkSigned(secret))
        .send(clickBody('alice', 'no-such-card'));
      if (res.status !== 401) throw new Error(`still accepted: ${res.status}`);
    });
  return { backend, s, clicks, logger, status, click, refusedOnceRotated };
}
