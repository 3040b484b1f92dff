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
  ApiBlueprint,
  createFrontendModule,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
  type OverridableFrontendPlugin,
  type RouteRef,
} from '@backstage/frontend-plugin-api';
import {
  FormFieldBlueprint,
  createFormField,
} from '@backstage/plugin-scaffolder-react/alpha';
import { DingtalkClient, dingtalkApiRef } from './api/DingtalkApi';
import { rootRouteRef } from './routes';
import ChatIcon from '@material-ui/icons/Chat';

const dingtalkApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: dingtalkApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DingtalkClient({ discoveryApi, fetchApi }),
    }),
});

const dingtalkPage = PageBlueprint.make({
  params: {
    path: '/dingtalk',
    routeRef: rootRouteRef,
    title: 'DingTalk',
    icon: <ChatIcon fontSize="inherit" />,
    loader: () =>
      import('./components/DingtalkPage').then(m => <m.DingtalkPage />),
  },
});

// Typed explicitly: the inferred type names types of the blueprints' own
// packages, which TypeScript cannot name from another app's node_modules
// (TS2742 with other Backstage versions).
/**
 * The DingTalk plugin for the new frontend system.
 *
 * @alpha
 */
const dingtalkPlugin: OverridableFrontendPlugin<{ root: RouteRef }> =
  createFrontendPlugin({
    pluginId: 'dingtalk',
    title: 'DingTalk',
    icon: <ChatIcon fontSize="inherit" />,
    routes: { root: rootRouteRef },
    extensions: [dingtalkApi, dingtalkPage],
  });
export default dingtalkPlugin;

const groupChatPickerField = FormFieldBlueprint.make({
  name: 'dingtalk-group-chat-picker',
  params: {
    field: async () =>
      createFormField({
        name: 'DingtalkGroupChatPicker',
        component: (
          await import('./components/GroupChatPicker/GroupChatPickerField')
        ).GroupChatPickerField as any,
      }),
  },
});

/**
 * The group-chat picker field for scaffolder templates (new frontend system).
 *
 * @alpha
 */
export const dingtalkScaffolderModule = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [groupChatPickerField],
});

export { createDingtalkSignInModule } from './auth/alpha';
