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

import { DingtalkCallbackCrypto } from './DingtalkCallbackCrypto';

// An independent implementation (CryptoJS based) of DingTalk's callback
// crypto, published on npm and used by many DingTalk Node apps.
const DingTalkEncryptor = require('dingtalk-encrypt');

// The fixed values of dingtalk-encrypt's own EncryptTest.js: token, aes key,
// receiver (corp) id, 16 "random" bytes, timestamp and nonce.
const VECTOR = {
  token: '666666',
  aesKey: 'TXpRMU5qYzRPVEF4TWpNME5UWTNPRGt3TVRJek5EVTI',
  receiverId: 'ding12345678901234567890123456789012',
  random: 'aaaabbbbccccdddd',
  timestamp: '1561081681688',
  nonce: '88888888',
};

describe('DingtalkCallbackCrypto', () => {
  const ours = new DingtalkCallbackCrypto(VECTOR);
  const theirs = new DingTalkEncryptor(VECTOR.token, VECTOR.aesKey, VECTOR.receiverId);

  it('produces the same ciphertext and signature as dingtalk-encrypt for the same random bytes', () => {
    const expected = theirs.getEncryptedMap('success', VECTOR.timestamp, VECTOR.nonce);
    // dingtalk-encrypt draws its own random prefix; re-encrypt with ours
    // using the prefix it used (recovered by decrypting its output).
    const theirCipher = theirs.encrypt(VECTOR.random, 'success');
    expect(ours.encrypt('success', Buffer.from(VECTOR.random))).toBe(theirCipher);
    expect(ours.sign(VECTOR.timestamp, VECTOR.nonce, expected.encrypt)).toBe(
      expected.msg_signature,
    );
    expect(ours.decrypt(expected.encrypt)).toBe('success');
  });

  it('encrypts replies that dingtalk-encrypt verifies and decrypts', () => {
    const reply = ours.encryptReply('success', VECTOR.timestamp, VECTOR.nonce);
    expect(theirs.getSignature(VECTOR.token, reply.timeStamp, reply.nonce, reply.encrypt)).toBe(
      reply.msg_signature,
    );
    expect(theirs.decrypt(reply.encrypt)).toBe('success');
  });

  it('round-trips JSON with non-ASCII text', () => {
    const event = JSON.stringify({ EventType: 'chat_update_title', Title: '值班群 SRE' });
    expect(ours.decrypt(ours.encrypt(event))).toBe(event);
  });

  it('verifies signatures and rejects tampered ones', () => {
    const encrypt = ours.encrypt('x');
    const signature = ours.sign('1', '2', encrypt);
    expect(ours.verify(signature, '1', '2', encrypt)).toBe(true);
    expect(ours.verify(signature.toUpperCase(), '1', '2', encrypt)).toBe(true);
    expect(ours.verify(signature, '1', '3', encrypt)).toBe(false);
    expect(ours.verify('abc', '1', '2', encrypt)).toBe(false);
  });

  it.each([
    ['not base64!', 'bad-base64'],
    ['', 'bad-base64'],
    ['QUJD', 'bad-length'],
  ])('refuses %p as %s', (input, reason) => {
    expect(() => ours.decrypt(input)).toThrow(
      expect.objectContaining({ name: 'DingtalkCryptoError', reason }),
    );
  });

  it('refuses a payload encrypted for another receiver', () => {
    const other = new DingtalkCallbackCrypto({ ...VECTOR, receiverId: 'dingother' });
    expect(() => ours.decrypt(other.encrypt('hello'))).toThrow(
      expect.objectContaining({ name: 'DingtalkCryptoError', reason: 'receiver-mismatch' }),
    );
  });

  it('refuses a payload under another key (bad padding or garbage length)', () => {
    const other = new DingtalkCallbackCrypto({
      ...VECTOR,
      aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
    });
    expect(() => ours.decrypt(other.encrypt('hello'))).toThrow(expect.objectContaining({ name: 'DingtalkCryptoError' }));
  });

  it('refuses an aes_key that is not 43 base64 characters', () => {
    expect(() => new DingtalkCallbackCrypto({ ...VECTOR, aesKey: 'short' })).toThrow(
      'aes_key must be 43 characters',
    );
  });
});
