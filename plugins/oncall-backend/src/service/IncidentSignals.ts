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
import {
  Incident,
  IncidentChangedSignal,
  ONCALL_INCIDENT_SIGNAL_CHANNEL,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { SignalsService } from '@backstage/plugin-signals-node';

/**
 * Announces incident changes on the `oncall:incident` signals channel so open
 * pages refetch. Changes to one incident are coalesced: a burst of writes
 * (a transition, its timeline entries, the card update that follows) sends
 * one or two signals, the last always reading the committed state.
 */
export class IncidentSignals {
  readonly #signals: SignalsService;
  readonly #getIncident: (id: string) => Promise<Incident | undefined>;
  readonly #logger: LoggerService;
  /** Incidents with a publish queued that has not read the incident yet. */
  readonly #queued = new Set<string>();
  readonly #chains = new Map<string, Promise<void>>();

  constructor(options: {
    signals: SignalsService;
    getIncident: (id: string) => Promise<Incident | undefined>;
    logger: LoggerService;
  }) {
    this.#signals = options.signals;
    this.#getIncident = options.getIncident;
    this.#logger = options.logger;
  }

  /** Called after a committed write; never throws, never waits. */
  changed(incidentId: string): void {
    // A queued publish reads the incident when it starts, so it will carry
    // this change too.
    if (this.#queued.has(incidentId)) return;
    this.#queued.add(incidentId);
    const previous = this.#chains.get(incidentId) ?? Promise.resolve();
    const next = previous.then(() => {
      this.#queued.delete(incidentId);
      return this.#publish(incidentId);
    });
    this.#chains.set(incidentId, next);
    next.finally(() => {
      if (this.#chains.get(incidentId) === next) {
        this.#chains.delete(incidentId);
      }
    });
  }

  /** Resolves when every announced change has been published (tests). */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) {
      await Promise.all([...this.#chains.values()]);
    }
  }

  async #publish(incidentId: string): Promise<void> {
    try {
      const incident = await this.#getIncident(incidentId);
      if (!incident) return;
      const message: IncidentChangedSignal = {
        incidentId: incident.id,
        serviceRef: incident.serviceRef,
        status: incident.status,
        updatedAt: incident.updatedAt,
      };
      await this.#signals.publish<IncidentChangedSignal>({
        recipients: { type: 'broadcast' },
        channel: ONCALL_INCIDENT_SIGNAL_CHANNEL,
        message,
      });
    } catch (error) {
      // Pages also refetch on their own now and then; a lost signal only
      // delays an update.
      this.#logger.warn(
        `Could not announce the change of incident ${incidentId}: ${
          (error as Error)?.message ?? error
        }`,
      );
    }
  }
}
