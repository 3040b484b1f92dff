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
  createFrontendModule,
  type FrontendModule,
} from '@backstage/frontend-plugin-api';
import { ChannelTargetPickerBlueprint } from '@dingtalk-oncall/backstage-plugin-oncall-react/alpha';

const dingtalkTargetPicker = ChannelTargetPickerBlueprint.make({
  name: 'dingtalk',
  params: {
    picker: () => import('./picker').then(m => m.dingtalkChannelTargetPicker),
  },
});

// Typed explicitly, like the plugins' own: an inferred type would name
// types of other packages' node_modules (TS2742 in adopters' apps).
/**
 * The DingTalk group-chat picker for the on-call rule editor (new frontend
 * system): a module of the on-call plugin, found by package discovery.
 *
 * @alpha
 */
const oncallDingtalkModule: FrontendModule = createFrontendModule({
  pluginId: 'oncall',
  extensions: [dingtalkTargetPicker],
});
export default oncallDingtalkModule;
