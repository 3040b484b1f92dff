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
 * Sign in to Backstage with DingTalk: the web login through DingTalk's OAuth 2
 * page, the login-free sign-in inside the DingTalk client, and sign-in
 * resolvers by DingTalk user ID, email and mobile.
 *
 * @packageDocumentation
 */

export { authModuleDingtalkProvider as default } from './module';
export { dingtalkAuthenticator } from './authenticator';
export type { DingtalkProfile } from './profile';
export {
  createDingtalkSignInResolverFactories,
  DINGTALK_USER_ID_ANNOTATION,
  DINGTALK_CORP_ID_ANNOTATION,
  DINGTALK_MOBILE_ANNOTATION,
} from './resolvers';
export type { DingtalkAccountLinker } from './DingtalkAccountLinker';
