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

import type { LoggerService } from '@backstage/backend-plugin-api';
import type { StreamLeaseStore } from '../../database/StreamLeaseStore';
import type { StoredIntegration } from '../../database/IntegrationsStore';
import { handleCardAction, parseCardCallback } from '../callbackRouter';
import type { EventProcessor } from '../EventProcessor';
import type { IntegrationRegistry } from '../IntegrationRegistry';
import type { RobotMessages } from '../robot/RobotMessages';
import {
  CARD_CALLBACK_TOPIC,
  ROBOT_MESSAGE_TOPIC,
  DingtalkStreamClient,
  DingtalkStreamClientOptions,
  StreamFrame,
} from './DingtalkStreamClient';

/**
 * Routes a Stream-mode frame through the same code as DingTalk's HTTP
 * callbacks: events to the EventProcessor (with the frame's eventId as the
 * de-duplication key), card clicks to handleCardAction.
 */
export function createStreamFrameRouter(
  deps: Parameters<typeof handleCardAction>[0] & {
    events: EventProcessor;
    robot?: RobotMessages;
  },
) {
  return async (
    integrationId: string,
    frame: StreamFrame,
  ): Promise<unknown> => {
    const integration = await deps.registry.get(integrationId);
    try {
      if (frame.type === 'EVENT') {
        const result = await deps.events.process(integration, frame.data, {
          eventId: frame.headers.eventId,
          eventType: frame.headers.eventType,
        });
        deps.logger.debug?.(
          `DingTalk stream event ${result.eventType}${
            result.duplicate ? ' (duplicate)' : ''
          } for ${integration.id}`,
        );
        return { status: 'SUCCESS', message: 'OK' };
      }
      if (
        frame.type === 'CALLBACK' &&
        frame.headers.topic === CARD_CALLBACK_TOPIC
      ) {
        const body = parseCardCallback(JSON.parse(frame.data));
        // the SDK's socketCallBackResponse shape: the answer under "response"
        return { response: await handleCardAction(deps, integration.id, body) };
      }
      if (
        frame.type === 'CALLBACK' &&
        frame.headers.topic === ROBOT_MESSAGE_TOPIC &&
        deps.robot
      ) {
        // authenticated by the connection, as card clicks are
        await deps.robot.receive(integration, JSON.parse(frame.data));
        return { response: {} };
      }
    } catch (e) {
      // The client answers: a 4xx-class error (bad input, an unknown card,
      // not allowed) as refused, never pushed again; anything else as not
      // processed (LATER for an event, an error response for a callback).
      deps.logger.debug?.(
        `DingTalk stream ${frame.type} frame for ${integration.id} not processed: ${e}`,
      );
      throw e;
    }
    deps.logger.info(
      `DingTalk stream ${frame.type} ${frame.headers.topic ?? ''} for ${
        integration.id
      } acknowledged without action`,
    );
    return { status: 'SUCCESS', message: 'OK' };
  };
}

/**
 * Keeps one Stream-mode connection per `transport: stream` integration
 * across all replicas.
 *
 * Leader election is a lease row per integration in the plugin's database
 * (StreamLeaseStore) rather than a `scope: 'global'` scheduler task: a global
 * task is meant to run to completion, and its lock lasts for the task's whole
 * `timeout`. Holding a connection inside one would either drop the
 * connection at every timeout or, if the holder dies, leave the integration
 * without a connection until that (long) timeout ends. Tasks cannot be
 * unscheduled either, and integrations come and go at runtime. A lease
 * renewed every ttl/3 and released on shutdown hands over in under a second
 * on a clean stop and within one lease length after a crash.
 *
 * Each replica checks every ttl/3 (and at once on kick()) which integrations
 * are on Stream mode, takes or renews their leases, and starts or stops
 * connections to match.
 */
export class StreamManager {
  private readonly connections = new Map<
    string,
    { client: DingtalkStreamClient; version: string }
  >();
  /** Until when our last successful renewal holds each lease, by our clock. */
  private readonly heldUntil = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: {
      registry: IntegrationRegistry;
      leases: StreamLeaseStore;
      onFrame: (integrationId: string, frame: StreamFrame) => Promise<unknown>;
      logger: LoggerService;
      apiBaseUrl: string;
      /** This replica's name in the lease table. */
      instanceId: string;
      leaseTtlMs: number;
      client?: Partial<DingtalkStreamClientOptions>;
    },
  ) {}

  start(): void {
    this.stopped = false;
    const loop = () => {
      this.timer = setTimeout(
        () => void this.kick().finally(() => !this.stopped && loop()),
        this.deps.leaseTtlMs / 3,
      );
      this.timer.unref?.();
    };
    void this.kick();
    loop();
  }

  /** Re-reads the integrations now (one was created, changed or deleted). */
  kick(): Promise<void> {
    this.queue = this.queue
      .then(() => (this.stopped ? undefined : this.sync()))
      .catch(e =>
        this.deps.logger.warn(
          `DingTalk stream leases could not be synced: ${e}`,
        ),
      );
    return this.queue;
  }

  /** Whether this replica holds the connection of an integration (for tests and health). */
  holds(integrationId: string): boolean {
    return this.connections.has(integrationId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue;
    await Promise.all(
      [...this.connections.keys()].map(id => this.close(id, true)),
    );
  }

  private async sync() {
    const wanted = (await this.deps.registry.list()).filter(
      i => i.transport === 'stream',
    );
    const ids = new Set(wanted.map(i => i.id));
    for (const id of [...this.connections.keys()]) {
      if (!ids.has(id)) await this.close(id, true);
    }
    for (const integration of wanted) {
      if (await this.lease(integration.id)) await this.open(integration);
      else if (this.connections.has(integration.id)) {
        this.deps.logger.info(
          `DingTalk stream lease of ${integration.id} lost; closing this replica's connection`,
        );
        await this.close(integration.id, false);
      }
    }
  }

  private async lease(id: string): Promise<boolean> {
    const now = Date.now();
    try {
      const held = await this.deps.leases.acquire(
        id,
        this.deps.instanceId,
        this.deps.leaseTtlMs,
        now,
      );
      if (held) this.heldUntil.set(id, now + this.deps.leaseTtlMs);
      else this.heldUntil.delete(id);
      return held;
    } catch (e) {
      // The database is unreachable: keep the connection only while our
      // last renewal surely still holds, with a quarter of the lease as
      // margin for clock skew between replicas.
      this.deps.logger.warn(
        `DingTalk stream lease of ${id} could not be renewed: ${e}`,
      );
      return (this.heldUntil.get(id) ?? 0) - this.deps.leaseTtlMs / 4 > now;
    }
  }

  private async open(i: StoredIntegration) {
    // A change of credentials (or of anything) reconnects with the new values.
    const version = `${i.clientId}|${i.updatedAt}`;
    const current = this.connections.get(i.id);
    if (current?.version === version) return;
    if (current) await this.close(i.id, false);
    const client = new DingtalkStreamClient({
      ...this.deps.client,
      apiBaseUrl: this.deps.apiBaseUrl,
      clientId: i.clientId,
      clientSecret: i.clientSecret,
      logger: this.deps.logger,
      onFrame: frame => this.deps.onFrame(i.id, frame),
    });
    this.connections.set(i.id, { client, version });
    client.start();
    this.deps.logger.info(
      `This replica holds the DingTalk stream connection of ${i.id}`,
    );
  }

  private async close(id: string, release: boolean) {
    const current = this.connections.get(id);
    this.connections.delete(id);
    await current?.client.stop();
    if (release) {
      this.heldUntil.delete(id);
      await this.deps.leases
        .release(id, this.deps.instanceId)
        .catch(e =>
          this.deps.logger.warn(
            `DingTalk stream lease of ${id} not released: ${e}`,
          ),
        );
    }
  }
}
