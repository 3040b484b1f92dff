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

// Shared setup of the UI route tests (service/routes/routes*.test.ts).
import { mockCredentials } from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { oncallChannelsExtensionPoint } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { FakeChannel } from './FakeChannel';

/** The Authorization header of a signed-in catalog user. */
export const asUser = (user: string) =>
  mockCredentials.user.header(`user:default/${user}`);

/** A second channel, registered like any channel module. */
export function secondChannel(channel: FakeChannel) {
  return createBackendModule({
    pluginId: 'oncall',
    moduleId: `channel-${channel.id}`,
    register(reg) {
      reg.registerInit({
        deps: { channels: oncallChannelsExtensionPoint },
        async init({ channels }) {
          channels.addChannel(channel);
        },
      });
    },
  });
}
