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
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import type { ChannelTargetPicker } from './pickers';

const pickerLoaderDataRef = createExtensionDataRef<
  () => Promise<ChannelTargetPicker>
>().with({ id: 'oncall.channel-target-picker-loader' });

/**
 * Contributes a channel's target picker to the on-call rule editor (new
 * frontend system), as `FormFieldBlueprint` contributes scaffolder fields:
 * it attaches to the on-call plugin's `api:oncall/channel-target-pickers`,
 * which serves them through `channelTargetPickersApiRef`. The picker is
 * loaded lazily, when an editor first needs the pickers.
 *
 * ```tsx
 * ChannelTargetPickerBlueprint.make({
 *   name: 'dingtalk',
 *   params: {
 *     picker: () => import('./picker').then(m => m.dingtalkTargetPicker),
 *   },
 * });
 * ```
 *
 * @alpha
 */
export const ChannelTargetPickerBlueprint = createExtensionBlueprint({
  kind: 'oncall-channel-target-picker',
  attachTo: { id: 'api:oncall/channel-target-pickers', input: 'pickers' },
  dataRefs: { pickerLoader: pickerLoaderDataRef },
  output: [pickerLoaderDataRef],
  *factory(params: { picker: () => Promise<ChannelTargetPicker> }) {
    yield pickerLoaderDataRef(params.picker);
  },
});
