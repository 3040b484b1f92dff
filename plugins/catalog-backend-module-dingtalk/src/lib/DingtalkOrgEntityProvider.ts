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

import type {
  AuthService,
  DiscoveryService,
  LoggerService,
  RootConfigService,
  SchedulerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import type {
  CatalogService,
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type { DingtalkContactEvent } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { readProviderConfigs, type DingtalkOrgProviderConfig } from './config';
import { RecentEntities } from './RecentEntities';
import { DingtalkOrgClient } from './DingtalkOrgClient';
import { readOrganisation } from './readOrganisation';
import {
  defaultGroupTransformer,
  defaultUserTransformer,
  locationOf,
  type DingtalkGroupTransformer,
  type DingtalkUserTransformer,
} from './transformers';
import { ContactDelta } from './ContactDelta';
import { acceptable, organisationEntities } from './organisationEntities';
import { readProviderEntities, refuseMassRemoval } from './providerEntities';
import { SerialQueue } from './SerialQueue';

const RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 60_000, 300_000];
/** A failed delta is tried again after these; then an early full sync repairs it. */
const DELTA_RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export { readProviderConfigs, type DingtalkOrgProviderConfig };

/** What a full sync did. @public */
export interface DingtalkOrgSyncResult {
  departments: number;
  users: number;
  /** DingTalk calls made (each through the dingtalk backend's limiter and quota). */
  dingtalkCalls: number;
  durationMs: number;
}

/**
 * DingTalk's organisation as catalog Groups (departments) and Users
 * (people). A full sync on a schedule replaces everything the provider
 * emitted; address-book events (topic `dingtalk.contact`) apply deltas in
 * between, so a person who joins or leaves shows up or disappears within
 * seconds.
 *
 * Full syncs and deltas run one at a time, in arrival order: a delta that
 * arrives while a full read is under way waits for the full mutation and
 * is applied after it, so a person who left during the read is removed
 * rather than brought back by the read's older picture.
 * @public
 */
export class DingtalkOrgEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private retry?: ReturnType<typeof setTimeout>;
  private readonly deltaRetries = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;
  /** Full syncs and deltas, one at a time (see SerialQueue). */
  private readonly queue = new SerialQueue();
  private readonly client: DingtalkOrgClient;
  private readonly delta: ContactDelta;
  private readonly recent = new RecentEntities();

  constructor(
    private readonly options: {
      config: DingtalkOrgProviderConfig;
      discovery: DiscoveryService;
      auth: AuthService;
      catalog: CatalogService;
      logger: LoggerService;
      taskRunner?: SchedulerServiceTaskRunner;
      userTransformer?: DingtalkUserTransformer;
      groupTransformer?: DingtalkGroupTransformer;
    },
  ) {
    this.client = new DingtalkOrgClient({
      discovery: options.discovery,
      auth: options.auth,
      integrationId: options.config.integrationId,
    });
    this.delta = new ContactDelta({
      ...options,
      client: this.client,
      userTransformer: options.userTransformer ?? defaultUserTransformer,
      groupTransformer: options.groupTransformer ?? defaultGroupTransformer,
      recent: this.recent,
    });
  }

  static fromConfig(
    config: RootConfigService,
    deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      catalog: CatalogService;
      logger: LoggerService;
      scheduler: SchedulerService;
      userTransformer?: DingtalkUserTransformer;
      groupTransformer?: DingtalkGroupTransformer;
    },
  ): DingtalkOrgEntityProvider[] {
    return readProviderConfigs(config).map(
      ({ schedule, ...c }) =>
        new DingtalkOrgEntityProvider({
          ...deps,
          config: c,
          logger: deps.logger.child({ target: `dingtalk-org:${c.id}` }),
          taskRunner: deps.scheduler.createScheduledTaskRunner(schedule),
        }),
    );
  }

  /** Stops retries that are waiting (on backend shutdown). */
  stop(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    for (const t of this.deltaRetries) clearTimeout(t);
    this.deltaRetries.clear();
    this.stopped = true;
  }

  getProviderName(): string {
    return `DingtalkOrgEntityProvider:${this.options.config.id}`;
  }

  get integrationId(): string {
    return this.options.config.integrationId;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.options.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: () => this.syncOrRetry(0),
    });
  }

  /**
   * A failed sync is tried again soon (the dingtalk backend may not listen
   * yet when the catalog starts, or DingTalk may be throttling), in the
   * background so that startup does not wait, rather than only at the next
   * scheduled run a day later.
   */
  private async syncOrRetry(attempt: number): Promise<void> {
    clearTimeout(this.retry);
    try {
      await this.read();
    } catch (e) {
      // Nothing is applied: the catalog keeps what the last sync gave.
      const delay = RETRY_DELAYS_MS[attempt];
      this.options.logger.error(
        `DingTalk organisation sync failed, the catalog keeps the last one${
          delay ? `; trying again in ${delay / 1000} s` : ''
        }: ${e}`,
      );
      if (delay !== undefined && !this.stopped)
        this.retry = setTimeout(
          () => void this.syncOrRetry(attempt + 1),
          delay,
        ).unref();
    }
  }

  /** A full sync: reads the whole tree and replaces what this provider emitted. */
  async read(): Promise<DingtalkOrgSyncResult> {
    if (!this.connection)
      throw new Error(`${this.getProviderName()} is not connected`);
    return this.queue.run(() => this.fullSync());
  }

  private async fullSync(): Promise<DingtalkOrgSyncResult> {
    const connection = this.connection!;
    const started = Date.now();
    const callsBefore = this.client.callCount;
    const c = this.options.config;
    const org = await readOrganisation(this.client, c.rootDepartmentId, {
      includeInactive: c.includeInactive,
    });
    const current = await readProviderEntities({
      catalog: this.options.catalog,
      auth: this.options.auth,
      providerId: c.id,
    });
    const { entities, departments } = await organisationEntities(
      org,
      current,
      this.options,
    );
    refuseMassRemoval(c, current.refs, entities);
    await connection.applyMutation({
      type: 'full',
      entities: entities.map(entity => this.deferred(entity)),
    });
    this.recent.added(entities);
    const result = {
      departments,
      users: entities.length - departments,
      dingtalkCalls: this.client.callCount - callsBefore,
      durationMs: Date.now() - started,
    };
    this.options.logger.info(
      `DingTalk organisation synced: ${result.departments} departments, ${result.users} users, ` +
        `${result.dingtalkCalls} DingTalk calls in ${result.durationMs} ms`,
    );
    return result;
  }

  /** A delta from one address-book event of this provider's integration. */
  async applyContactEvent(event: DingtalkContactEvent): Promise<void> {
    if (!this.connection || event.integrationId !== this.integrationId) return;
    await this.queue.run(() => this.applyDelta(event));
  }

  /**
   * Applies the event, and when that fails (the dingtalk backend or
   * DingTalk unavailable) tries again later, then falls back to an early
   * full sync rather than leaving the change out until the next scheduled
   * one.
   */
  async applyContactEventOrRetry(
    event: DingtalkContactEvent,
    attempt = 0,
  ): Promise<void> {
    try {
      await this.applyContactEvent(event);
    } catch (e) {
      if (this.stopped) return;
      const delay = DELTA_RETRY_DELAYS_MS[attempt];
      this.options.logger.warn(
        `DingTalk ${event.eventType} not applied${
          delay !== undefined
            ? `; trying again in ${delay / 1000} s`
            : '; running a full sync instead'
        }: ${e}`,
      );
      if (delay === undefined) {
        void this.syncOrRetry(0);
        return;
      }
      const t = setTimeout(() => {
        this.deltaRetries.delete(t);
        void this.applyContactEventOrRetry(event, attempt + 1);
      }, delay).unref();
      this.deltaRetries.add(t);
    }
  }

  private async applyDelta(event: DingtalkContactEvent): Promise<void> {
    const changes = await this.delta.changes(event);
    const added = changes.added.filter(e => acceptable(e, this.options.logger));
    const removed = changes.removed;
    if (added.length === 0 && removed.length === 0) return;
    await this.connection!.applyMutation({
      type: 'delta',
      added: added.map(entity => this.deferred(entity)),
      removed: removed.map(entityRef => ({
        entityRef,
        locationKey: locationOf(this.options.config.id),
      })),
    });
    this.recent.removed(removed);
    this.recent.added(added);
    this.options.logger.info(
      `DingTalk ${event.eventType}: ${added.length} entities added or updated, ${removed.length} removed`,
      {
        added: added.map(e => stringifyEntityRef(e)).join(','),
        removed: removed.join(','),
      },
    );
  }

  private deferred(entity: Entity): DeferredEntity {
    return { entity, locationKey: locationOf(this.options.config.id) };
  }
}
