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
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import type { JSX } from 'react';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { DingtalkClient, dingtalkApiRef } from './api/DingtalkApi';
import { rootRouteRef } from './routes';
import { GroupChatPickerField } from './components/GroupChatPicker/GroupChatPickerField';

/** The DingTalk plugin for the legacy frontend system. @public */
export const dingtalkPlugin = createPlugin({
  id: 'dingtalk',
  routes: { root: rootRouteRef },
  apis: [
    createApiFactory({
      api: dingtalkApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new DingtalkClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/** @public */
export const DingtalkPage = dingtalkPlugin.provide(
  createRoutableExtension({
    name: 'DingtalkPage',
    component: () =>
      import('./components/DingtalkPage').then(m => m.LegacyDingtalkPage),
    mountPoint: rootRouteRef,
  }),
);

/** @public */
export const DingtalkAccountLinkCard: () => JSX.Element =
  dingtalkPlugin.provide(
    createComponentExtension({
      name: 'DingtalkAccountLinkCard',
      component: {
        lazy: () =>
          import('./components/LinkedUsers').then(m => m.AccountLinkCard),
      },
    }),
  );

/** The group-chat picker as a scaffolder field (`ui:field: DingtalkGroupChatPicker`). @public */
export const DingtalkGroupChatPickerFieldExtension = dingtalkPlugin.provide(
  createScaffolderFieldExtension({
    name: 'DingtalkGroupChatPicker',
    component: GroupChatPickerField,
  }),
);
