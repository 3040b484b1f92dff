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

/**
 * The app the API and card callback tests register: its token and AES key
 * are what the independent implementations (dingtalk-encrypt, DingTalk's
 * SDK) sign and encrypt with, so both files must agree on them.
 */
export const TEST_APP = {
  corpId: 'dingtestcorp',
  appKey: 'dingtestappkey',
  appSecret: 'test-secret',
  agentId: '123',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'test-token',
};
