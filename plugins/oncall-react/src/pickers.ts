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

import type { ComponentType } from 'react';
import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ChannelInfo,
  ChannelTargetList,
  EscalationTarget,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';

/**
 * A channel target as a rule stores it (e.g. a DingTalk group chat).
 * @public
 */
export type EscalationChannelTarget = Extract<
  EscalationTarget,
  { type: 'channel' }
>;

/**
 * What the rule editor passes to a channel's target picker: only this
 * channel's targets of one step. `onChange` replaces exactly those; the
 * editor keeps every other channel's targets of the step as they were.
 * @public
 */
export interface ChannelTargetPickerProps {
  /** The channel as `GET /api/oncall/channels` lists it. */
  channel: ChannelInfo;
  /** Accessible label, e.g. "DingTalk targets for step 1". */
  label: string;
  value: EscalationChannelTarget[];
  onChange: (value: EscalationChannelTarget[]) => void;
  /**
   * The host's `GET /api/oncall/channels/:id/targets` (server-side search,
   * cursor paging), for pickers that want it, e.g. as a fallback.
   */
  listTargets: (opts: {
    query?: string;
    cursor?: string;
    limit?: number;
  }) => Promise<ChannelTargetList>;
}

/**
 * A target picker contributed by a channel's frontend module.
 * @public
 */
export interface ChannelTargetPicker {
  readonly $$type: '@dingtalk-oncall/ChannelTargetPicker';
  /** The channel id the backend module registered, e.g. `dingtalk`. */
  readonly channelId: string;
  readonly component: ComponentType<ChannelTargetPickerProps>;
}

/**
 * Makes a {@link ChannelTargetPicker}, for `ChannelTargetPickerBlueprint`
 * (new frontend system) or {@link StaticChannelTargetPickers} (legacy apps).
 * @public
 */
export function createChannelTargetPicker(options: {
  channelId: string;
  component: ComponentType<ChannelTargetPickerProps>;
}): ChannelTargetPicker {
  if (!options.channelId) {
    throw new Error('createChannelTargetPicker: channelId is required');
  }
  return {
    $$type: '@dingtalk-oncall/ChannelTargetPicker',
    channelId: options.channelId,
    component: options.component,
  };
}

/**
 * The pickers installed in the app; the rule editor asks it once.
 * @public
 */
export interface ChannelTargetPickersApi {
  loadPickers(): Promise<ChannelTargetPicker[]>;
}

/** @public */
export const channelTargetPickersApiRef = createApiRef<ChannelTargetPickersApi>(
  { id: 'plugin.oncall.channel-target-pickers' },
);

/**
 * A fixed list of pickers, or of loaders of pickers (lazy imports). Legacy
 * apps register it in `packages/app/src/apis.ts`; the new frontend system
 * collects `ChannelTargetPickerBlueprint` extensions into one of these.
 * @public
 */
export class StaticChannelTargetPickers implements ChannelTargetPickersApi {
  readonly #loaders: Array<() => Promise<ChannelTargetPicker>>;

  constructor(
    pickers: Array<ChannelTargetPicker | (() => Promise<ChannelTargetPicker>)>,
  ) {
    this.#loaders = pickers.map(p =>
      typeof p === 'function' ? p : () => Promise.resolve(p),
    );
  }

  async loadPickers(): Promise<ChannelTargetPicker[]> {
    const pickers = await Promise.all(this.#loaders.map(load => load()));
    for (const p of pickers) {
      if (p?.$$type !== '@dingtalk-oncall/ChannelTargetPicker') {
        throw new Error(
          'A channel target picker must be made with createChannelTargetPicker',
        );
      }
    }
    return pickers;
  }
}
