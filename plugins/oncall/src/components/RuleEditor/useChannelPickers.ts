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

import { useMemo } from 'react';
import { useApi, useApiHolder } from '@backstage/core-plugin-api';
import {
  channelTargetPickersApiRef,
  type ChannelTargetPickerProps,
} from '@dingtalk-oncall/backstage-plugin-oncall-react';
import type { ChannelInfo } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { ComponentType } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { oncallApiRef } from '../../api/OncallApi';

export interface ChannelPickers {
  channels: ChannelInfo[];
  /** The picker each channel contributed; absent: the generic one. */
  pickers: Map<string, ComponentType<ChannelTargetPickerProps>>;
  /** The host's target search per channel, stable across renders. */
  listTargets: (channel: string) => ChannelTargetPickerProps['listTargets'];
}

/**
 * The channels the backend has and the pickers the app's channel modules
 * contributed. An app without the pickers API (a legacy app that registered
 * none) gets the generic picker for every channel.
 */
export function useChannelPickers() {
  const api = useApi(oncallApiRef);
  const pickersApi = useApiHolder().get(channelTargetPickersApiRef);
  const searches = useMemo(
    () => new Map<string, ChannelTargetPickerProps['listTargets']>(),
    [],
  );
  return useAsync(async (): Promise<ChannelPickers> => {
    const [channels, pickers] = await Promise.all([
      api.listChannels(),
      pickersApi ? pickersApi.loadPickers() : Promise.resolve([]),
    ]);
    return {
      channels,
      pickers: new Map(pickers.map(p => [p.channelId, p.component])),
      listTargets: channel => {
        let search = searches.get(channel);
        if (!search) {
          search = opts => api.listChannelTargets(channel, opts);
          searches.set(channel, search);
        }
        return search;
      },
    };
  }, [api, pickersApi, searches]);
}
