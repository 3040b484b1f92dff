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

import { decryptFrom, signature } from './crypto';

// Ciphertexts published beside DingTalk's DingTalkEncryptor samples (the Java
// sample's `getEncryptedMap("success", …)` output quoted in o2oa's DingTalk
// connector, and the test vector of a Deno port): fixed inputs and outputs no
// one here produced, so the emulator's decryption and signature are checked against the
// reference implementation's output, not against our own encryption.
const PUBLISHED = [
  {
    token: 'o2oa',
    aesKey: 'Nzk5ZjFiODIxMzkyNGMyNWIyMmFiZWZkNjIzNjIxYTg',
    receiverId: 'ding21016b71e78da961',
    timestamp: '1603697312745',
    nonce: '2dffdfdfdf2222',
    encrypt:
      'QH/UQCL7dUGoPQZcBf2H2u/8ImJ+6tjDOSfHle3GmMoG/zopHbD8JpXVCBFGSUFmQ3bWXIuzwyXAZCeS2kptmA==',
    signature: '502b261eda47a212db163c91322f7ddecb2e99cc',
    message: 'success',
  },
  {
    token: 'o2oa',
    aesKey: 'Nzk5ZjFiODIxMzkyNGMyNWIyMmFiZWZkNjIzNjIxYTg',
    receiverId: 'ding21016b71e78da961',
    encrypt:
      'Z129Xx+g/4RNjuplftqRsS24/FbMqS8Zy56JGpUQtL1zpVAoqhGS1PHiF5QdxQKRwzUgNg06tDylA02Lyy/W9Q==',
    message: 'success',
  },
  {
    token: 'aaaqo3IDtbgWd4uyJYtrzzz',
    aesKey: 'aaabWe22zMdfpVVF6kFsZ9E4ODL1wjjykB5ifzjLzzz',
    receiverId: 'dingn4jxcg1w9jy9exxx',
    encrypt:
      'cKVPF3fvpb646ZnKPbYn/Y5fChYt4e3OjgLbwuMSMm7fuv/Sfu0POorlMHTLide0mitKXnWk1hs/ON7onS9WcQ==',
    message: 'success',
  },
];

describe("the emulator's callback crypto", () => {
  it.each(PUBLISHED)(
    'reads the published vector for $receiverId identically',
    v => {
      expect(decryptFrom(v.aesKey, v.encrypt)).toEqual({
        message: v.message,
        receiverId: v.receiverId,
      });
      // vectors published without a signature check decryption only
      expect(
        v.signature && signature(v.token, v.timestamp!, v.nonce!, v.encrypt),
      ).toBe(v.signature);
    },
  );
});
