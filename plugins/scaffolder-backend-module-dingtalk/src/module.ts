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
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { dingtalkNotifierServiceRef } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import {
  createInviteToWarRoomAction,
  createSendMessageAction,
  createWarRoomAction,
} from './actions';

/**
 * Scaffolder actions for DingTalk: war rooms and messages.
 * @public
 */
export const scaffolderModuleDingtalk = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'dingtalk',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        notifier: dingtalkNotifierServiceRef,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, notifier, config, discovery, auth }) {
        // Only the plugin's public HTTP API is used, never its code: any
        // incident plugin that serves the same route can take war rooms.
        const setting = config.getOptional<string | false>(
          'scaffolder.dingtalk.incidentPluginId',
        );
        const incidents =
          setting === false
            ? undefined
            : { discovery, auth, pluginId: setting ?? 'oncall' };
        scaffolder.addActions(
          createWarRoomAction({ notifier, incidents }),
          createInviteToWarRoomAction({ notifier }),
          createSendMessageAction({ notifier }),
        );
      },
    });
  },
});
