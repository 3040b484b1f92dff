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
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Why a payload could not be decrypted. Callers turn each into a 4xx answer.
 * @public
 */
export type DingtalkCryptoErrorReason =
  | 'bad-aes-key'
  | 'bad-base64'
  | 'bad-length'
  | 'bad-padding'
  | 'receiver-mismatch';

/** @public */
export class DingtalkCryptoError extends Error {
  readonly reason: DingtalkCryptoErrorReason;

  constructor(reason: DingtalkCryptoErrorReason, message: string) {
    super(message);
    this.name = 'DingtalkCryptoError';
    this.reason = reason;
  }
}

// DingTalk pads to 32-byte blocks (PKCS#7 with a 32-byte block size, as WeCom
// does), not to AES's 16: Node's automatic padding must stay off.
const BLOCK = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * DingTalk's event-subscription crypto ("DingCallbackCrypto"): AES-256-CBC
 * with the key `base64(aes_key + '=')`, the IV its first 16 bytes, and a
 * plaintext of 16 random bytes, the message length (4 bytes, big-endian), the
 * message and the receiver id (the app's Client ID for an enterprise-internal
 * app's event subscription). Signatures are SHA-1 over the sorted
 * concatenation of token, timestamp, nonce and the ciphertext.
 * @public
 */
export class DingtalkCallbackCrypto {
  private readonly token: string;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly receiverId: string;

  constructor(opts: { token: string; aesKey: string; receiverId: string }) {
    if (!/^[A-Za-z0-9+/]{43}$/.test(opts.aesKey)) {
      throw new DingtalkCryptoError(
        'bad-aes-key',
        'aes_key must be 43 characters of the base64 alphabet',
      );
    }
    this.token = opts.token;
    this.key = Buffer.from(`${opts.aesKey}=`, 'base64');
    this.iv = this.key.subarray(0, 16);
    this.receiverId = opts.receiverId;
  }

  sign(timestamp: string, nonce: string, encrypt: string): string {
    return createHash('sha1')
      .update([this.token, timestamp, nonce, encrypt].sort().join(''))
      .digest('hex');
  }

  /** Checks a signature in constant time. */
  verify(
    signature: string,
    timestamp: string,
    nonce: string,
    encrypt: string,
  ): boolean {
    const expected = Buffer.from(this.sign(timestamp, nonce, encrypt), 'utf8');
    const given = Buffer.from(String(signature).toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    const plain = Buffer.concat([
      random.subarray(0, 16),
      length,
      body,
      Buffer.from(this.receiverId, 'utf8'),
    ]);
    const pad = BLOCK - (plain.length % BLOCK);
    const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString(
      'base64',
    );
  }

  /** Decrypts and checks the receiver id; throws {@link DingtalkCryptoError}. */
  decrypt(encrypt: string): string {
    // DingTalk sends padded base64; one cut short (even by a padding
    // character, which Node's decoder would forgive) is refused as truncated.
    if (
      typeof encrypt !== 'string' ||
      !BASE64.test(encrypt) ||
      encrypt.length % 4 !== 0
    ) {
      throw new DingtalkCryptoError(
        'bad-base64',
        'encrypt is not (whole) base64',
      );
    }
    const data = Buffer.from(encrypt, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) {
      throw new DingtalkCryptoError(
        'bad-length',
        'encrypt is not a whole number of AES blocks',
      );
    }
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(data), decipher.final()]);
    const pad = padded[padded.length - 1];
    if (pad < 1 || pad > BLOCK || pad > padded.length) {
      throw new DingtalkCryptoError('bad-padding', 'invalid padding');
    }
    for (let i = padded.length - pad; i < padded.length; i++) {
      if (padded[i] !== pad) {
        throw new DingtalkCryptoError('bad-padding', 'invalid padding');
      }
    }
    const plain = padded.subarray(0, padded.length - pad);
    if (plain.length < 20) {
      throw new DingtalkCryptoError('bad-length', 'plaintext too short');
    }
    const length = plain.readUInt32BE(16);
    if (20 + length > plain.length) {
      throw new DingtalkCryptoError(
        'bad-length',
        'message length exceeds the payload',
      );
    }
    const message = plain.subarray(20, 20 + length).toString('utf8');
    const receiver = plain.subarray(20 + length).toString('utf8');
    if (receiver !== this.receiverId) {
      throw new DingtalkCryptoError(
        'receiver-mismatch',
        'the payload was encrypted for another receiver id',
      );
    }
    return message;
  }

  /** The JSON body DingTalk expects back, e.g. for the message `success`. */
  encryptReply(
    message: string,
    timestamp: string = String(Date.now()),
    nonce: string = randomBytes(6).toString('hex'),
  ): {
    msg_signature: string;
    timeStamp: string;
    nonce: string;
    encrypt: string;
  } {
    const encrypt = this.encrypt(message);
    return {
      msg_signature: this.sign(timestamp, nonce, encrypt),
      timeStamp: timestamp,
      nonce,
      encrypt,
    };
  }
}
