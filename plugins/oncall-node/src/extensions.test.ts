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
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import { oncallChannelsExtensionPoint } from './extensions';
import { OncallChannel } from './types';

describe('oncallChannelsExtensionPoint', () => {
  it('lets a module hand a channel to the oncall plugin', async () => {
    const received: OncallChannel[] = [];
    const host = createBackendPlugin({
      pluginId: 'oncall',
      register(env) {
        env.registerExtensionPoint(oncallChannelsExtensionPoint, {
          addChannel: channel => received.push(channel),
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    const channel: OncallChannel = {
      id: 'chat',
      title: 'Chat',
      listTargets: async () => ({ items: [] }),
      notify: async () => [],
      update: async () => {},
    };
    const module = createBackendModule({
      pluginId: 'oncall',
      moduleId: 'chat',
      register(reg) {
        reg.registerInit({
          deps: { channels: oncallChannelsExtensionPoint },
          async init({ channels }) {
            channels.addChannel(channel);
          },
        });
      },
    });
    const backend = await startTestBackend({ features: [host, module] });
    expect(oncallChannelsExtensionPoint.id).toBe('oncall.channels');
    expect(received).toEqual([channel]);
    await backend.stop();
  });
});
