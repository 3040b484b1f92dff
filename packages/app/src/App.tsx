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

import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import {
  createDingtalkSignInModule,
  dingtalkScaffolderModule,
} from '@dingtalk-oncall/backstage-plugin-dingtalk/alpha';
import { dingtalkSignInProvider } from '@dingtalk-oncall/backstage-plugin-dingtalk';

// The sign-in page: the development guest ("Enter" signs in as alice) and
// DingTalk (the emulator's login page; login-free inside the simulated
// DingTalk client).
const signInModule = createDingtalkSignInModule({
  providers: ['guest', dingtalkSignInProvider],
});

// Every other plugin (DingTalk, on-call, scaffolder, notifications, ...) is
// found through `app.packages: all` in app-config.yaml: any dependency of this
// package that exports a new-frontend-system plugin is installed.
export default createApp({
  features: [catalogPlugin, navModule, dingtalkScaffolderModule, signInModule],
});
