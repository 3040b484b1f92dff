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

import type { StoredIntegration } from '../database/IntegrationsStore';

/** How long a callback may use a stored integration it read before. */
export const CALLBACK_CACHE_MS = 5_000;
/**
 * How many `fresh` reads of one integration callbacks may make per second.
 * Every push with a wrong signature asks for one (the secret may have just
 * changed on another replica), so without a cap anyone could turn forged
 * pushes into database queries one for one.
 */
export const FRESH_READS_PER_SECOND = 5;
/** How long a callback remembers that an integration id does not exist (ids come from URLs anyone can send). */
export const MISSING_CACHE_MS = 1_000;
/** Bounded: ids come from URLs anyone can send. */
const MAX_ENTRIES = 1000;

type Entry = {
  readAt: number;
  /** undefined: there is no such integration. */
  integration?: StoredIntegration;
  /** `fresh` reads in the second that began at freshSince. */
  freshReads: number;
  freshSince: number;
};

/**
 * The stored integrations DingTalk's callbacks look up, as read at most
 * CALLBACK_CACHE_MS ago. Every push and card click needs one, and reading it
 * is a query and an unsealing of its secrets. A caller that asks with
 * `fresh` (a push failed its signature or decryption: the secret may have
 * changed on another replica) reads again, at most FRESH_READS_PER_SECOND
 * times a second per integration. A miss is remembered for MISSING_CACHE_MS
 * only, so an integration created a moment ago on another replica answers
 * its `check_url`.
 */
export class CallbackLookups {
  readonly #entries = new Map<string, Entry>();
  /** One read at a time per id: a flood of pushes that arrives together shares it. */
  readonly #reading = new Map<string, Promise<StoredIntegration | undefined>>();
  /** Bumped by forget(): a read that started before a change must not cache what it read. */
  #generation = 0;

  constructor(
    private readonly read: (
      id: string,
    ) => Promise<StoredIntegration | undefined>,
  ) {}

  async find(
    id: string,
    opts: { fresh?: boolean; now?: number } = {},
  ): Promise<StoredIntegration | undefined> {
    const now = opts.now ?? Date.now();
    const cached = this.#entries.get(id);
    let freshReads = 0;
    let freshSince = now;
    if (cached) {
      const age = now - cached.readAt;
      if (!cached.integration) {
        if (age < MISSING_CACHE_MS) return undefined;
      } else if (!opts.fresh) {
        if (age < CALLBACK_CACHE_MS) return cached.integration;
      } else {
        if (now - cached.freshSince < 1000) {
          if (cached.freshReads >= FRESH_READS_PER_SECOND)
            return cached.integration;
          freshSince = cached.freshSince;
          freshReads = cached.freshReads;
        }
        freshReads += 1;
      }
    }
    const pending = this.#reading.get(id);
    if (pending) return pending;
    const generation = this.#generation;
    const reading = this.read(id)
      .then(integration => {
        if (generation === this.#generation) {
          if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
          this.#entries.set(id, {
            readAt: now,
            integration,
            freshReads,
            freshSince,
          });
        }
        return integration;
      })
      .finally(() => {
        if (this.#reading.get(id) === reading) this.#reading.delete(id);
      });
    this.#reading.set(id, reading);
    return reading;
  }

  /** A change made through this replica is seen at once. */
  forget(id: string): void {
    this.#generation += 1;
    this.#entries.delete(id);
    this.#reading.delete(id);
  }
}
