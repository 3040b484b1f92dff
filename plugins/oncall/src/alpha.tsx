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
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
  type OverridableFrontendPlugin,
  type RouteRef,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { createExtensionInput } from '@backstage/frontend-plugin-api';
import {
  channelTargetPickersApiRef,
  StaticChannelTargetPickers,
} from '@dingtalk-oncall/backstage-plugin-oncall-react';
import { ChannelTargetPickerBlueprint } from '@dingtalk-oncall/backstage-plugin-oncall-react/alpha';
import { OncallClient, oncallApiRef } from './api/OncallApi';
import { rootRouteRef } from './routes';
import AlarmIcon from '@material-ui/icons/Alarm';

const oncallApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: oncallApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new OncallClient({ discoveryApi, fetchApi }),
    }),
});

// `api:oncall/channel-target-pickers`: what ChannelTargetPickerBlueprint
// extensions of channel modules attach to (as scaffolder form fields attach
// to `api:scaffolder/form-fields`).
const channelTargetPickersApi = ApiBlueprint.makeWithOverrides({
  name: 'channel-target-pickers',
  inputs: {
    pickers: createExtensionInput([
      ChannelTargetPickerBlueprint.dataRefs.pickerLoader,
    ]),
  },
  factory(originalFactory, { inputs }) {
    const loaders = inputs.pickers.map(p =>
      p.get(ChannelTargetPickerBlueprint.dataRefs.pickerLoader),
    );
    return originalFactory(defineParams =>
      defineParams({
        api: channelTargetPickersApiRef,
        deps: {},
        factory: () => new StaticChannelTargetPickers(loaders),
      }),
    );
  },
});

const oncallPage = PageBlueprint.make({
  params: {
    path: '/oncall',
    routeRef: rootRouteRef,
    title: 'On-call',
    icon: <AlarmIcon fontSize="inherit" />,
    loader: () => import('./components/OncallPage').then(m => <m.OncallPage />),
  },
});

const entityContent = EntityContentBlueprint.make({
  name: 'oncall',
  params: {
    path: 'oncall',
    title: 'On-call',
    filter: 'kind:component',
    loader: () =>
      import('./components/OncallPage').then(m => <m.EntityOncallContent />),
  },
});

// Typed explicitly: the inferred type names types of the blueprints' own
// packages, which TypeScript cannot name from another app's node_modules
// (TS2742 with other Backstage versions).
/**
 * The on-call plugin for the new frontend system.
 *
 * @alpha
 */
const oncallPlugin: OverridableFrontendPlugin<{ root: RouteRef }> =
  createFrontendPlugin({
    pluginId: 'oncall',
    title: 'On-call',
    icon: <AlarmIcon fontSize="inherit" />,
    routes: { root: rootRouteRef },
    extensions: [oncallApi, channelTargetPickersApi, oncallPage, entityContent],
  });
export default oncallPlugin;
