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
  CacheService,
  DiscoveryService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  buildIntegrationUrls,
  DingtalkIntegration,
  DingtalkIntegrationCreate,
  DingtalkIntegrationUpdate,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import {
  DingtalkApiClient,
  DingtalkCallbackCrypto,
  DingtalkQuotaCounter,
  DingtalkRateLimiter,
  DingtalkTokenProvider,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { Knex } from 'knex';
import {
  IntegrationsStore,
  StoredIntegration,
} from '../database/IntegrationsStore';
import { readConfigIntegrations } from './configIntegrations';
import { CallbackLookups } from './CallbackLookups';

export interface DingtalkSettings {
  apiBaseUrl: string;
  oapiBaseUrl: string;
  publicBaseUrl: string;
  appBaseUrl: string;
  cardTemplateId: string;
  /** Per-attempt timeout and attempts per call of the DingTalk API client (defaults in DingtalkApiClient). */
  client?: { timeoutMs?: number; maxAttempts?: number };
  /** What the unauthenticated H5 sign-in may spend (defaults in DingtalkApiClient). */
  unauthenticatedBudget?: { perDay?: number; perMonth?: number };
}

export async function readSettings(
  config: RootConfigService,
  discovery: DiscoveryService,
): Promise<DingtalkSettings> {
  // Unless told otherwise, DingTalk reaches us where the backend's discovery
  // says the outside world does.
  const external = (await discovery.getExternalBaseUrl('dingtalk')).replace(
    /\/api\/dingtalk\/?$/,
    '',
  );
  return {
    apiBaseUrl:
      config.getOptionalString('dingtalk.apiBaseUrl') ??
      'https://api.dingtalk.com',
    oapiBaseUrl:
      config.getOptionalString('dingtalk.oapiBaseUrl') ??
      'https://oapi.dingtalk.com',
    publicBaseUrl:
      config.getOptionalString('dingtalk.publicBaseUrl') ?? external,
    appBaseUrl:
      config.getOptionalString('app.baseUrl') ?? 'http://localhost:3000',
    cardTemplateId:
      config.getOptionalString('dingtalk.cardTemplateId') ??
      'backstage-oncall.schema',
    // Tunable so that a slow network (or a test against a faulty emulator)
    // does not wait 10 s per attempt.
    client: {
      timeoutMs: config.getOptionalNumber('dingtalk.client.timeoutMs'),
      maxAttempts: config.getOptionalNumber('dingtalk.client.maxAttempts'),
    },
    unauthenticatedBudget: {
      perDay: config.getOptionalNumber('dingtalk.h5.budget.perDay'),
      perMonth: config.getOptionalNumber('dingtalk.h5.budget.perMonth'),
    },
  };
}

/**
 * All integrations: those declared in app-config (read-only) and those
 * created through the API (stored with sealed secrets). Hands out one API
 * client and one callback crypto per integration.
 */
export class IntegrationRegistry {
  private readonly fromConfig: StoredIntegration[];
  private readonly clients = new Map<
    string,
    { updatedAt: string; client: DingtalkApiClient }
  >();
  private readonly cryptos = new Map<
    string,
    { updatedAt: string; crypto: DingtalkCallbackCrypto }
  >();
  private readonly recent: CallbackLookups;
  private readonly tokens: DingtalkTokenProvider;
  private readonly limiter: DingtalkRateLimiter;
  readonly quota: DingtalkQuotaCounter;

  constructor(
    private readonly opts: {
      store: IntegrationsStore;
      config: RootConfigService;
      settings: DingtalkSettings;
      db: Knex;
      cache: CacheService;
      logger: LoggerService;
    },
  ) {
    this.fromConfig = readConfigIntegrations(opts.config);
    this.recent = new CallbackLookups(id => this.opts.store.get(id));
    this.tokens = new DingtalkTokenProvider({ cache: opts.cache, db: opts.db });
    this.limiter = new DingtalkRateLimiter({ db: opts.db });
    this.quota = new DingtalkQuotaCounter({ db: opts.db });
  }

  async list(): Promise<StoredIntegration[]> {
    return [...this.fromConfig, ...(await this.opts.store.list())];
  }

  async get(id: string): Promise<StoredIntegration> {
    const found =
      this.fromConfig.find(i => i.id === id) ?? (await this.opts.store.get(id));
    if (!found)
      throw new NotFoundError(`No DingTalk integration with id '${id}'`);
    return found;
  }

  async find(id: string): Promise<StoredIntegration | undefined> {
    return (
      this.fromConfig.find(i => i.id === id) ?? (await this.opts.store.get(id))
    );
  }

  /** For DingTalk's callbacks: see {@link CallbackLookups}; app-config integrations need no lookup. */
  async findForCallback(
    id: string,
    opts: { fresh?: boolean; now?: number } = {},
  ): Promise<StoredIntegration | undefined> {
    const configured = this.fromConfig.find(i => i.id === id);
    if (configured) return configured;
    return this.recent.find(id, opts);
  }

  /** The integration to use when a caller names none: the only one there is. */
  async resolve(id: string | undefined): Promise<StoredIntegration> {
    if (id) return this.get(id);
    const all = await this.list();
    if (all.length === 1) return all[0];
    throw new InputError(
      all.length === 0
        ? 'No DingTalk integration is configured'
        : 'integrationId is required when there is more than one DingTalk integration',
    );
  }

  async create(
    input: DingtalkIntegrationCreate,
    createdBy: string,
  ): Promise<StoredIntegration> {
    const id = input.id ?? slug(input.name);
    const all = await this.list();
    if (all.some(i => i.id === id))
      throw new ConflictError(`An integration with id '${id}' already exists`);
    if (all.some(i => i.clientId === input.clientId)) {
      throw new ConflictError(
        `An integration for Client ID '${input.clientId}' already exists`,
      );
    }
    const now = new Date().toISOString();
    const integration: StoredIntegration = {
      id,
      name: input.name,
      corpId: input.corpId,
      agentId: input.agentId,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      aesKey: input.aesKey,
      token: input.token,
      edition: input.edition,
      transport: input.transport,
      warRoom: clean(input.warRoom),
      limits: cleanLimits(input.limits),
      source: 'database',
      createdBy,
      createdAt: now,
      updatedAt: now,
    };
    await this.opts.store.insert(integration);
    this.recent.forget(integration.id);
    return integration;
  }

  async update(
    id: string,
    patch: DingtalkIntegrationUpdate,
  ): Promise<StoredIntegration> {
    const existing = await this.get(id);
    if (existing.source === 'config') {
      throw new NotAllowedError(
        `Integration '${id}' is declared in app-config and cannot be changed here`,
      );
    }
    if (patch.clientId && patch.clientId !== existing.clientId) {
      const clash = (await this.list()).find(
        i => i.clientId === patch.clientId,
      );
      if (clash)
        throw new ConflictError(
          `An integration for Client ID '${patch.clientId}' already exists`,
        );
    }
    const updated: StoredIntegration = {
      ...existing,
      ...Object.fromEntries(
        Object.entries(patch).filter(([, v]) => v !== undefined),
      ),
      warRoom: patch.warRoom ? clean(patch.warRoom) : existing.warRoom,
      limits: patch.limits ? cleanLimits(patch.limits) : existing.limits,
      updatedAt: new Date().toISOString(),
    } as StoredIntegration;
    await this.opts.store.update(updated);
    this.clients.delete(id);
    this.recent.forget(id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    const existing = await this.get(id);
    if (existing.source === 'config') {
      throw new NotAllowedError(
        `Integration '${id}' is declared in app-config and cannot be deleted here`,
      );
    }
    await this.opts.store.delete(id);
    this.clients.delete(id);
    this.cryptos.delete(id);
    this.recent.forget(id);
  }

  /** The DingTalk client of an integration (shared limiter, quota, tokens). */
  client(i: StoredIntegration): DingtalkApiClient {
    const cached = this.clients.get(i.id);
    if (cached && cached.updatedAt === i.updatedAt) return cached.client;
    const client = new DingtalkApiClient({
      credentials: {
        clientId: i.clientId,
        clientSecret: i.clientSecret,
        corpId: i.corpId,
        edition: i.edition,
        limits: i.limits,
      },
      apiBaseUrl: this.opts.settings.apiBaseUrl,
      oapiBaseUrl: this.opts.settings.oapiBaseUrl,
      tokens: this.tokens,
      limiter: this.limiter,
      quota: this.quota,
      timeoutMs: this.opts.settings.client?.timeoutMs,
      maxAttempts: this.opts.settings.client?.maxAttempts,
      unauthenticatedBudget: this.opts.settings.unauthenticatedBudget,
    });
    this.clients.set(i.id, { updatedAt: i.updatedAt, client });
    return client;
  }

  /** For a credential test: a client that fetches a token with these values. */
  probeClient(
    i: Pick<
      StoredIntegration,
      'clientId' | 'clientSecret' | 'corpId' | 'edition'
    >,
  ): DingtalkApiClient {
    return new DingtalkApiClient({
      credentials: {
        clientId: i.clientId,
        clientSecret: i.clientSecret,
        corpId: i.corpId,
        edition: i.edition,
      },
      apiBaseUrl: this.opts.settings.apiBaseUrl,
      oapiBaseUrl: this.opts.settings.oapiBaseUrl,
      tokens: new DingtalkTokenProvider({}),
      maxAttempts: 1,
      timeoutMs: this.opts.settings.client?.timeoutMs,
    });
  }

  crypto(i: StoredIntegration): DingtalkCallbackCrypto {
    // One per integration version: every event push needs it, and building
    // it decodes and checks the key.
    const cached = this.cryptos.get(i.id);
    if (cached && cached.updatedAt === i.updatedAt) return cached.crypto;
    // For an enterprise-internal app's event subscription the receiver id is
    // the app's Client ID (AppKey).
    const crypto = new DingtalkCallbackCrypto({
      token: i.token,
      aesKey: i.aesKey,
      receiverId: i.clientId,
    });
    this.cryptos.set(i.id, { updatedAt: i.updatedAt, crypto });
    return crypto;
  }

  toPublic(i: StoredIntegration): DingtalkIntegration {
    return {
      id: i.id,
      name: i.name,
      corpId: i.corpId,
      agentId: i.agentId,
      clientId: i.clientId,
      edition: i.edition,
      transport: i.transport,
      warRoom: i.warRoom,
      ...(i.limits ? { limits: i.limits } : {}),
      secrets: {
        clientSecret: !!i.clientSecret,
        aesKey: !!i.aesKey,
        token: !!i.token,
      },
      source: i.source,
      urls: buildIntegrationUrls(this.opts.settings.publicBaseUrl, i.id),
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
    };
  }
}

function clean(w: { templateId?: string; botId?: string }) {
  return {
    ...(w.templateId ? { templateId: w.templateId } : {}),
    ...(w.botId ? { botId: w.botId } : {}),
  };
}

function cleanLimits(l: { qps?: number; monthlyQuota?: number } | undefined) {
  if (!l) return undefined;
  const out = {
    ...(l.qps !== undefined ? { qps: l.qps } : {}),
    ...(l.monthlyQuota !== undefined ? { monthlyQuota: l.monthlyQuota } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return s.length >= 2 ? s : `integration-${Date.now().toString(36)}`;
}
