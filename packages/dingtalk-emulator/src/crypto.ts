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

import crypto from 'node:crypto';

// The emulator's own implementation of DingTalk's callback crypto. It is
// written separately from the plugin's (plugins/dingtalk-node) on purpose:
// tests that pass events between the two cross-check both, and both are
// checked against the independent `dingtalk-encrypt` package.

export function keyOf(aesKey: string): Buffer {
  return Buffer.from(`${aesKey}=`, 'base64');
}

export function signature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): string {
  const parts = [token, timestamp, nonce, encrypt].sort();
  return crypto.createHash('sha1').update(parts.join('')).digest('hex');
}

export function encryptFor(
  aesKey: string,
  receiverId: string,
  message: string,
): string {
  const key = keyOf(aesKey);
  const msg = Buffer.from(message, 'utf8');
  const head = Buffer.alloc(20);
  crypto.randomFillSync(head, 0, 16);
  head.writeUInt32BE(msg.length, 16);
  const raw = Buffer.concat([head, msg, Buffer.from(receiverId, 'utf8')]);
  const padLength = 32 - (raw.length % 32);
  const cipher = crypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([raw, Buffer.alloc(padLength, padLength)])),
    cipher.final(),
  ]).toString('base64');
}

/** Returns the message and receiver id, or undefined when it cannot be read. */
export function decryptFrom(
  aesKey: string,
  encrypt: string,
): { message: string; receiverId: string } | undefined {
  try {
    const key = keyOf(aesKey);
    const decipher = crypto.createDecipheriv(
      'aes-256-cbc',
      key,
      key.subarray(0, 16),
    );
    decipher.setAutoPadding(false);
    const out = Buffer.concat([
      decipher.update(Buffer.from(encrypt, 'base64')),
      decipher.final(),
    ]);
    const pad = out[out.length - 1];
    if (!pad || pad > 32) return undefined;
    const raw = out.subarray(0, out.length - pad);
    const length = raw.readUInt32BE(16);
    if (20 + length > raw.length) return undefined;
    return {
      message: raw.subarray(20, 20 + length).toString('utf8'),
      receiverId: raw.subarray(20 + length).toString('utf8'),
    };
  } catch {
    return undefined;
  }
}

/**
 * The signature DingTalk puts on an HTTP card callback registered with an
 * `apiSecret` (header `x-ddpaas-signature`): DingTalk's documented
 * `calcSignature(apiSecret, ts)`, base64(HMAC-SHA256 keyed with the
 * apiSecret over the decimal timestamp of `x-ddpaas-signature-timestamp`).
 */
export function cardCallbackSignature(
  apiSecret: string,
  timestamp: string,
): string {
  return crypto
    .createHmac('sha256', apiSecret)
    .update(timestamp)
    .digest('base64');
}
