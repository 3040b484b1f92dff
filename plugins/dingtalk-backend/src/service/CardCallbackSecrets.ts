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
import { AuthenticationError } from '@backstage/errors';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CardSecretsStore } from '../database/CardSecretsStore';
import type { StoredIntegration } from '../database/IntegrationsStore';
import type { SecretBox } from '../lib/SecretBox';
import type { IntegrationRegistry } from './IntegrationRegistry';
import { callbackRouteKey } from './Messenger';

/** DingTalk's card callback signature headers (DingTalk's "事件回调" page of interactive cards). */
export const CARD_SIGNATURE_HEADER = 'x-ddpaas-signature';
export const CARD_TIMESTAMP_HEADER = 'x-ddpaas-signature-timestamp';

/** How far a card callback's signature timestamp may be from our clock. */
export const MAX_CARD_CALLBACK_SKEW_MS = 5 * 60 * 1000;

/**
 * DingTalk's `calcSignature(apiSecret, ts)`: base64(HMAC-SHA256 keyed with
 * the apiSecret over the decimal timestamp as sent in the header).
 */
export function signCardCallback(apiSecret: string, timestamp: string): string {
  return createHmac('sha256', apiSecret).update(timestamp).digest('base64');
}

/**
 * The secret DingTalk signs HTTP card callbacks with: one random secret per
 * integration (config-declared ones too), sealed in `dingtalk_card_secrets`,
 * registered as the `apiSecret` of `POST /v1.0/card/callbacks/register`,
 * rotated on demand and whenever the integration's Client ID or Client
 * Secret differ from those it was registered with.
 *
 * A rotation first stores the new secret as `pending` (accepted alongside
 * the current one), then registers it with DingTalk, then makes it the only
 * one: a click signed by DingTalk is never refused mid-rotation, and once
 * the rotation is done the old secret is.
 */
export class CardCallbackSecrets {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly now: () => number;

  constructor(
    private readonly opts: {
      store: CardSecretsStore;
      registry: IntegrationRegistry;
      box: SecretBox;
      publicBaseUrl: string;
      logger: LoggerService;
      now?: () => number;
    },
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Where DingTalk posts card clicks: no key, no secret, nothing worth logging. */
  callbackUrl(integrationId: string): string {
    return `${this.opts.publicBaseUrl.replace(
      /\/$/,
      '',
    )}/api/dingtalk/integrations/${encodeURIComponent(
      integrationId,
    )}/card-callback`;
  }

  /**
   * Makes DingTalk and the database agree on the integration's secret,
   * creating it, finishing an interrupted rotation, or rotating when asked
   * or when the credentials changed. One at a time per integration in this
   * process; across replicas by compare-and-set.
   */
  async sync(
    integrationId: string,
    opts: { rotate?: boolean } = {},
  ): Promise<{ rotatedAt: string } | undefined> {
    const previous = this.chains.get(integrationId) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.syncNow(integrationId, !!opts.rotate));
    this.chains.set(integrationId, run);
    try {
      return await run;
    } finally {
      if (this.chains.get(integrationId) === run)
        this.chains.delete(integrationId);
    }
  }

  /** Throws a 401 with the reason unless DingTalk signed this callback, recently. */
  async verify(
    integrationId: string,
    headers: { timestamp?: string; signature?: string },
  ): Promise<void> {
    const { timestamp, signature } = headers;
    if (!timestamp || !signature) {
      throw new AuthenticationError(
        `Unsigned card callback: DingTalk signs every card callback with the ${CARD_SIGNATURE_HEADER} and ${CARD_TIMESTAMP_HEADER} headers`,
      );
    }
    if (!/^(\d{10}|\d{13})$/.test(timestamp)) {
      throw new AuthenticationError(
        `Refused card callback: ${CARD_TIMESTAMP_HEADER} must be a Unix time in seconds or milliseconds`,
      );
    }
    const stored = await this.opts.store.get(integrationId);
    if (!stored) {
      throw new AuthenticationError(
        'Refused card callback: no card callback secret has been registered with DingTalk for this integration yet',
      );
    }
    const given = Buffer.from(signature.slice(0, 128), 'utf8');
    let matches = false;
    for (const secret of [stored.current, stored.pending]) {
      if (!secret) continue;
      const expected = Buffer.from(signCardCallback(secret, timestamp), 'utf8');
      // timingSafeEqual needs equal lengths; a length mismatch is a mismatch.
      if (expected.length === given.length && timingSafeEqual(expected, given))
        matches = true;
    }
    if (!matches) {
      throw new AuthenticationError(
        'Refused card callback: the signature does not match this integration’s card callback secret',
      );
    }
    // Checked after the signature: only DingTalk's own callbacks are told they are stale.
    const ms =
      timestamp.length === 10 ? Number(timestamp) * 1000 : Number(timestamp);
    if (Math.abs(this.now() - ms) > MAX_CARD_CALLBACK_SKEW_MS) {
      throw new AuthenticationError(
        'Refused card callback: its signature timestamp is more than 5 minutes off (a replay, or a clock out of sync)',
      );
    }
  }

  private fingerprint(i: StoredIntegration): string {
    return this.opts.box.mac(
      `card-secret-credentials:${i.clientId}\n${i.clientSecret}`,
    );
  }

  private async register(i: StoredIntegration, apiSecret: string) {
    if (i.transport !== 'http') return; // Stream mode: the connection authenticates clicks
    await this.opts.registry.client(i).registerCardCallback({
      callbackRouteKey: callbackRouteKey(i.id),
      callbackUrl: this.callbackUrl(i.id),
      apiSecret,
    });
  }

  private async syncNow(
    integrationId: string,
    rotate: boolean,
  ): Promise<{ rotatedAt: string } | undefined> {
    const { store, registry } = this.opts;
    const integration = await registry.find(integrationId);
    if (!integration) {
      await store.delete(integrationId);
      return undefined;
    }
    const credentials = this.fingerprint(integration);
    let mine: string | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      const row = await store.get(integrationId);
      const at = new Date(this.now()).toISOString();
      if (!row) {
        const secret = newSecret();
        // Stored before DingTalk signs with it, so that no click is refused.
        if (
          !(await store.insert(integrationId, {
            current: secret,
            credentials,
            rotatedAt: at,
          }))
        )
          continue;
        await this.register(integration, secret);
        return { rotatedAt: at };
      }
      if (row.pending) {
        // A rotation under way, here or on another replica, or one that
        // failed to reach DingTalk: finish it with the credentials we have.
        await this.register(integration, row.pending);
        if (
          !(await store.replace(integrationId, row, {
            current: row.pending,
            credentials,
            rotatedAt: at,
          }))
        )
          continue;
        if (row.pending === mine || !rotate) return { rotatedAt: at };
        continue;
      }
      if (rotate && !mine) {
        mine = newSecret();
      } else if (row.credentials !== credentials) {
        // New credentials, perhaps another DingTalk app: a new secret.
        mine = newSecret();
      } else {
        // Nothing to change: make sure DingTalk has what we verify with.
        await this.register(integration, row.current);
        return { rotatedAt: row.rotatedAt };
      }
      if (
        !(await store.replace(integrationId, row, {
          ...row,
          pending: mine,
        }))
      )
        mine = undefined;
    }
    throw new Error(
      `The card callback secret of ${integrationId} kept changing under us; try again`,
    );
  }
}

function newSecret(): string {
  // 192 random bits, hex: nothing in it a DingTalk form or URL could mangle.
  return randomBytes(24).toString('hex');
}
