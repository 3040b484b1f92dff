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

import { DingtalkCallbackCrypto } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import request from 'supertest';
import { APP } from './backend';

/**
 * Event pushes as DingTalk signs them, for the HTTP callback route. Built with
 * the node package's crypto (itself checked against dingtalk-encrypt in
 * plugin.test.ts) so that each test can vary one part of a push (timestamp,
 * nonce, key, plaintext) and see the backend refuse exactly that.
 */

/** The crypto DingTalk uses for the emulator's APP (integration `acme`). */
export const ours = new DingtalkCallbackCrypto({
  token: APP.token,
  aesKey: APP.aesKey,
  receiverId: APP.appKey,
});

export const EVENTS = '/api/dingtalk/integrations/acme/events';

/** What a test may change in a push; the rest is what DingTalk would send. */
export type PushOptions = {
  timestamp?: string;
  nonce?: string;
  crypto?: DingtalkCallbackCrypto;
};

/** The query and body of a push of this ciphertext, signed with `crypto`. */
export function signed(encrypt: string, opts: PushOptions = {}) {
  const crypto = opts.crypto ?? ours;
  const timestamp = opts.timestamp ?? String(Date.now());
  const nonce = opts.nonce ?? 'n0nce';
  return {
    query: {
      signature: crypto.sign(timestamp, nonce, encrypt),
      timestamp,
      nonce,
    },
    body: { encrypt },
  };
}

/** A signed push of `event` (JSON-encoded unless it is already text). */
export function signedEvent(event: unknown, opts: PushOptions = {}) {
  const crypto = opts.crypto ?? ours;
  return signed(
    crypto.encrypt(typeof event === 'string' ? event : JSON.stringify(event)),
    opts,
  );
}

/** Posts a signed push to the callback route (`url`, by default acme's). */
export function postPush(
  server: any,
  push: { query: object; body: object },
  url = EVENTS,
): request.Test {
  return request(server).post(url).query(push.query).send(push.body);
}
