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
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Seals secrets at rest (AES-256-GCM) and signs short-lived tokens (HMAC),
 * both with keys derived from `dingtalk.encryptionKey`. A sealed value that
 * was tampered with, or sealed under another key, does not open.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly macKey: Buffer;
  private readonly onSecrets?: (secrets: string[]) => void;
  private readonly revealed = new Set<string>();

  /**
   * @param options - `onSecrets` is told every secret that is sealed or
   *   opened (a sealed JSON object: each of its string values), so that the
   *   plugin can register them with the root logger's redactions as soon as
   *   they exist in memory: created, updated, or read by any replica.
   */
  constructor(
    secret: string,
    options?: { onSecrets?: (secrets: string[]) => void },
  ) {
    this.key = createHash('sha256').update(`seal:${secret}`).digest();
    this.macKey = createHash('sha256').update(`mac:${secret}`).digest();
    this.onSecrets = options?.onSecrets;
  }

  private reveal(plain: string) {
    // Integrations are opened on every read: tell each plaintext once.
    if (!this.onSecrets || this.revealed.has(plain)) return;
    this.revealed.add(plain);
    let values = [plain];
    try {
      const parsed = JSON.parse(plain);
      if (parsed && typeof parsed === 'object') {
        values = Object.values(parsed).filter(
          (v): v is string => typeof v === 'string',
        );
      }
    } catch {
      // not JSON: the plaintext is the secret
    }
    this.onSecrets(values);
  }

  seal(plain: string): string {
    this.reveal(plain);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString(
      'base64',
    )}`;
  }

  open(sealed: string): string {
    const raw = Buffer.from(sealed.replace(/^v1\./, ''), 'base64');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.key,
      raw.subarray(0, 12),
    );
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(28)),
      decipher.final(),
    ]).toString('utf8');
    this.reveal(plain);
    return plain;
  }

  mac(value: string): string {
    return createHmac('sha256', this.macKey).update(value).digest('base64url');
  }

  /** A signed, expiring token carrying `payload`. */
  sign(payload: object, ttlMs: number, now = Date.now()): string {
    const body = Buffer.from(
      JSON.stringify({ ...payload, exp: now + ttlMs }),
    ).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload of a token made by {@link SecretBox.sign}, or undefined. */
  verify<T>(token: string, now = Date.now()): T | undefined {
    const [body, mac] = String(token).split('.');
    if (!body || !mac) return undefined;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return undefined;
    try {
      const payload = JSON.parse(
        Buffer.from(body, 'base64url').toString('utf8'),
      );
      return payload.exp > now ? (payload as T) : undefined;
    } catch {
      return undefined;
    }
  }
}
