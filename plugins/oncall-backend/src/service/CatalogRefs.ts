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
import type { AuthService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';

/**
 * Asks the catalog whether entity refs exist, so that a rule cannot name a
 * person or team that is not there (a typo would page nobody).
 */
export class CatalogRefs {
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;

  constructor(deps: { catalog: CatalogService; auth: AuthService }) {
    this.#catalog = deps.catalog;
    this.#auth = deps.auth;
  }

  /** The refs (lower-case, full) that name no catalog entity. */
  async missing(refs: string[]): Promise<string[]> {
    const unique = [...new Set(refs)];
    if (unique.length === 0) return [];
    let items: Array<unknown | undefined>;
    try {
      ({ items } = await this.#catalog.getEntitiesByRefs(
        {
          entityRefs: unique,
          fields: ['kind', 'metadata.name', 'metadata.namespace'],
        },
        { credentials: await this.#auth.getOwnServiceCredentials() },
      ));
    } catch (e) {
      throw new ServiceUnavailableError(
        `The catalog could not be asked whether ${unique.join(', ')} exist: ${
          (e as Error).message
        }`,
      );
    }
    return unique.filter((_, i) => !items[i]);
  }
}
