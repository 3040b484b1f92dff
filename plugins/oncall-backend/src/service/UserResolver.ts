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
import { AuthService } from '@backstage/backend-plugin-api';
import { RELATION_HAS_MEMBER } from '@backstage/catalog-model';
import { EscalationTarget } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** Turns user and group targets into user entity refs via the catalog. */
export class UserResolver {
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;

  constructor(options: { catalog: CatalogService; auth: AuthService }) {
    this.#catalog = options.catalog;
    this.#auth = options.auth;
  }

  async resolve(
    targets: EscalationTarget[],
  ): Promise<{ users: string[]; problems: string[] }> {
    const users = new Set<string>();
    const problems: string[] = [];
    for (const target of targets) {
      if (target.type === 'user') {
        users.add(target.ref.toLocaleLowerCase('en-US'));
      } else if (target.type === 'group') {
        try {
          const group = await this.#catalog.getEntityByRef(target.ref, {
            credentials: await this.#auth.getOwnServiceCredentials(),
          });
          if (!group) {
            problems.push(`group ${target.ref} was not found in the catalog`);
            continue;
          }
          const members = (group.relations ?? [])
            .filter(r => r.type === RELATION_HAS_MEMBER)
            .map(r => r.targetRef.toLocaleLowerCase('en-US'));
          if (members.length === 0) {
            problems.push(`group ${target.ref} has no members`);
          }
          members.forEach(m => users.add(m));
        } catch (e) {
          problems.push(
            `group ${target.ref} could not be read from the catalog: ${
              (e as Error).message
            }`,
          );
        }
      }
    }
    return { users: [...users], problems };
  }
}
