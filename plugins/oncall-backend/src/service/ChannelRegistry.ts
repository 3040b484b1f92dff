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
import { OncallChannel } from '@dingtalk-oncall/backstage-plugin-oncall-node';

/** The channels added through `oncallChannelsExtensionPoint`. */
export class ChannelRegistry {
  readonly #channels = new Map<string, OncallChannel>();

  add(channel: OncallChannel): void {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(channel?.id ?? '')) {
      throw new Error(
        `On-call channel id "${channel?.id}" is invalid; use lower-case letters, digits, - and _`,
      );
    }
    if (this.#channels.has(channel.id)) {
      throw new Error(`On-call channel "${channel.id}" is already registered`);
    }
    this.#channels.set(channel.id, channel);
  }

  get(id: string): OncallChannel | undefined {
    return this.#channels.get(id);
  }

  list(): OncallChannel[] {
    return [...this.#channels.values()];
  }
}
