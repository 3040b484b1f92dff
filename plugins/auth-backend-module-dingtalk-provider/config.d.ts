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

export interface Config {
  auth?: {
    providers?: {
      /** Sign in with DingTalk (`@dingtalk-oncall/backstage-plugin-auth-backend-module-dingtalk-provider`). */
      dingtalk?: {
        [authEnv: string]: {
          /** The enterprise-internal app's Client ID (AppKey). */
          clientId: string;
          /**
           * The app's Client Secret (AppSecret). Also the key material of the
           * module's session tokens: changing it ends every DingTalk session.
           * @visibility secret
           */
          clientSecret: string;
          /**
           * The organisation (corpId) whose members may sign in; the
           * authorisation page is asked to sign in to it, and a person the app
           * cannot find in it is refused.
           */
          corpId?: string;
          /** DingTalk's authorisation page. Default `https://login.dingtalk.com/oauth2/auth`. */
          authorizeUrl?: string;
          /** New-style API host. Default `https://api.dingtalk.com`. */
          apiBaseUrl?: string;
          /** Old-style API host (`/topapi/...`). Default `https://oapi.dingtalk.com`. */
          oapiBaseUrl?: string;
          /**
           * Script the login-free sign-in loads as DingTalk's JSAPI (for the
           * emulator's stand-in); default: the `dingtalk-jsapi` bundle in the
           * app.
           */
          jsapiUrl?: string;
          /**
           * How long a session may go on from what DingTalk said before the
           * person is read again from the organisation (left people lose their
           * session then). Default 12 hours.
           */
          directoryRecheck?: { hours?: number; minutes?: number };
          /** Where DingTalk sends the browser back; default `{auth base}/dingtalk/handler/frame`. */
          callbackUrl?: string;
          /** Backstage's own session length (refresh cookie lifetime). */
          sessionDuration?: string | { days?: number; hours?: number };
          signIn?: {
            resolvers: Array<
              | { resolver: 'userIdMatchingUserEntityAnnotation' }
              | {
                  resolver: 'emailMatchingUserEntityProfileEmail';
                  link?: boolean;
                }
              | {
                  resolver: 'mobileMatchingUserEntityAnnotation';
                  link?: boolean;
                }
              | { resolver: 'emailLocalPartMatchingUserEntityName' }
            >;
          };
        };
      };
    };
  };
}
