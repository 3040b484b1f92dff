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

import type { DingtalkPerson } from './DingtalkSignInClient';

/**
 * Who signed in with DingTalk: a member of the organisation, as its address
 * book has them (`email` and `mobile` are what the organisation set, never
 * what the person typed into their own DingTalk account).
 *
 * @public
 */
export interface DingtalkProfile {
  /** The organisation (corpId). */
  corpId: string;
  /** The member's userId (staff ID) in that organisation. */
  userId: string;
  unionId?: string;
  name?: string;
  avatarUrl?: string;
  email?: string;
  mobile?: string;
  /**
   * What confirmed the person in this request: `oauth` (the web login),
   * `jsapi` (the login-free sign-in inside DingTalk), `directory` (a refresh
   * that read the address book again) or `session` (a refresh within
   * `directoryRecheck`, nothing asked of DingTalk). Resolvers link accounts
   * only on `oauth` and `jsapi`, the sign-ins proper.
   */
  verified: 'oauth' | 'jsapi' | 'directory' | 'session';
}

export function profileOf(
  person: DingtalkPerson,
  verified: DingtalkProfile['verified'],
): DingtalkProfile {
  return {
    corpId: person.corpId,
    userId: person.userId,
    unionId: person.unionId,
    name: person.name,
    avatarUrl: person.avatarUrl,
    email: person.email,
    mobile: person.mobile,
    verified,
  };
}
