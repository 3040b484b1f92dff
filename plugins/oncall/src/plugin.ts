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
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import type { JSX } from 'react';
import {
  channelTargetPickersApiRef,
  StaticChannelTargetPickers,
} from '@dingtalk-oncall/backstage-plugin-oncall-react';
import { OncallClient, oncallApiRef } from './api/OncallApi';
import { rootRouteRef } from './routes';

/** The on-call plugin for the legacy frontend system. @public */
export const oncallPlugin = createPlugin({
  id: 'oncall',
  routes: { root: rootRouteRef },
  apis: [
    createApiFactory({
      api: oncallApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new OncallClient({ discoveryApi, fetchApi }),
    }),
    // No channel pickers until the app registers its own (legacy apps:
    // `createApiFactory(channelTargetPickersApiRef, new
    // StaticChannelTargetPickers([...]))` in packages/app/src/apis.ts);
    // every channel meanwhile gets the generic searchable picker.
    createApiFactory({
      api: channelTargetPickersApiRef,
      deps: {},
      factory: () => new StaticChannelTargetPickers([]),
    }),
  ],
});

/** @public */
export const OncallPage = oncallPlugin.provide(
  createRoutableExtension({
    name: 'OncallPage',
    component: () =>
      import('./components/OncallPage').then(m => m.LegacyOncallPage),
    mountPoint: rootRouteRef,
  }),
);

/** @public */
export const EntityOncallContent: () => JSX.Element = oncallPlugin.provide(
  createRoutableExtension({
    name: 'EntityOncallContent',
    component: () =>
      import('./components/OncallPage').then(m => m.EntityOncallContent),
    mountPoint: rootRouteRef,
  }),
);
