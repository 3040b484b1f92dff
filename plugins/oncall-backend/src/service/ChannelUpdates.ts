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
import { LoggerService } from '@backstage/backend-plugin-api';
import { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { IncidentChange } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { IncidentsStore } from '../database';
import { ChannelRegistry } from './ChannelRegistry';

/**
 * Tells every channel about incident changes so it can update what it sent.
 * Fire-and-forget for the caller, but serialized per incident: an acknowledge
 * followed by a resolve must not reach a card in the opposite order.
 */
export class ChannelUpdates {
  readonly #channels: ChannelRegistry;
  readonly #incidents: IncidentsStore;
  readonly #logger: LoggerService;
  readonly #clock: () => number;
  readonly #chains = new Map<string, Promise<void>>();

  constructor(options: {
    channels: ChannelRegistry;
    incidents: IncidentsStore;
    logger: LoggerService;
    clock: () => number;
  }) {
    this.#channels = options.channels;
    this.#incidents = options.incidents;
    this.#logger = options.logger;
    this.#clock = options.clock;
  }

  publish(incident: Incident, change: IncidentChange): void {
    const previous = this.#chains.get(incident.id) ?? Promise.resolve();
    const next = previous.then(() => this.#deliver(incident, change));
    this.#chains.set(incident.id, next);
    next.finally(() => {
      if (this.#chains.get(incident.id) === next) {
        this.#chains.delete(incident.id);
      }
    });
  }

  /** Resolves when every published update has been delivered or failed. */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) {
      await Promise.all([...this.#chains.values()]);
    }
  }

  async #deliver(incident: Incident, change: IncidentChange): Promise<void> {
    await Promise.all(
      this.#channels.list().map(async channel => {
        try {
          await channel.update({ incident, change });
        } catch (error) {
          const message = truncate((error as Error)?.message ?? String(error));
          this.#logger.warn(
            `On-call channel ${channel.id} failed to update incident ${incident.id} after ${change.type}: ${message}`,
          );
          try {
            await this.#incidents.addTimeline(
              incident.id,
              [
                {
                  type: 'channel',
                  message: `${channel.title}: failed to update after ${change.type}: ${message}`,
                  actor: `channel:${channel.id}`,
                  data: {
                    channel: channel.id,
                    change: change.type,
                    outcome: 'failed',
                    detail: message,
                  },
                },
              ],
              this.#clock(),
            );
          } catch (e) {
            this.#logger.error(
              `Could not record channel update failure for incident ${incident.id}`,
              e as Error,
            );
          }
        }
      }),
    );
  }
}

export function truncate(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
