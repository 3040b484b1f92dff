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

// The session the refresh cookie holds. Backstage keeps a provider's refresh
// token in an HttpOnly cookie and hands it back to the authenticator on every
// refresh. DingTalk's own refresh tokens would keep a DingTalk user token
// alive that this module never needs, and the login-free sign-in inside the
// DingTalk client has none at all; so both ways of signing in end in the same
// token of this module: who the person is in which organisation, what the
// address book said of them and when. AES-256-GCM, so that it can be neither
// read (it carries email and mobile) nor forged; the key is derived from the
// app's client secret.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { DingtalkPerson } from './DingtalkSignInClient';

const PREFIX = 'dtk1.';

const payload = z.object({
  corpId: z.string(),
  userId: z.string(),
  unionId: z.string().optional(),
  name: z.string().optional(),
  avatarUrl: z.string().optional(),
  email: z.string().optional(),
  mobile: z.string().optional(),
  /** When DingTalk last confirmed the person (ms since epoch). */
  verifiedAt: z.number(),
  /** How the session began. */
  via: z.enum(['oauth', 'jsapi']),
  /**
   * Set by the login-free sign-in, which hands the session to the
   * framework's refresh handler: that first refresh is the sign-in (and may
   * link the account); the token it returns no longer carries the flag.
   */
  signIn: z.boolean().optional(),
});

export type SessionPayload = z.infer<typeof payload>;

export class SessionTokens {
  #key: Buffer;

  constructor(clientSecret: string, clientId: string) {
    this.#key = Buffer.from(
      crypto.hkdfSync(
        'sha256',
        clientSecret,
        clientId,
        'backstage-dingtalk-session-v1',
        32,
      ),
    );
  }

  seal(
    person: DingtalkPerson &
      Pick<SessionPayload, 'verifiedAt' | 'via' | 'signIn'>,
  ) {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([
      cipher.update(JSON.stringify(payload.parse(person)), 'utf8'),
      cipher.final(),
    ]);
    return (
      PREFIX +
      Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
    );
  }

  /** The payload, or undefined for anything this module did not seal with this key. */
  open(token: string): SessionPayload | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    try {
      const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
      if (raw.length < 29) return undefined;
      const decipher = crypto.createDecipheriv(
        'aes-256-gcm',
        this.#key,
        raw.subarray(0, 12),
      );
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([
        decipher.update(raw.subarray(28)),
        decipher.final(),
      ]).toString('utf8');
      const result = payload.safeParse(JSON.parse(text));
      return result.success ? result.data : undefined;
    } catch {
      return undefined;
    }
  }
}
