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
import type { Entity } from '@backstage/catalog-model';
import type { DingtalkOrgProviderConfig } from './config';
import { assignNames, hasValidName } from './names';
import type { ProviderEntities } from './providerEntities';
import type { DingtalkOrganisation } from './readOrganisation';
import {
  defaultGroupName,
  defaultGroupTransformer,
  defaultUserName,
  defaultUserTransformer,
  type DingtalkGroupTransformer,
  type DingtalkTransformerContext,
  type DingtalkUserTransformer,
} from './transformers';

/**
 * Whether the catalog would accept the entity's name (custom transformers
 * too); else it is skipped with a warning, so that one bad name does not
 * fail the whole mutation.
 */
export function acceptable(entity: Entity, logger: LoggerService): boolean {
  if (hasValidName(entity)) return true;
  logger.warn(
    `Skipped DingTalk ${entity.kind} '${entity.metadata.name}' (namespace '${entity.metadata.namespace}'): not a valid entity name`,
  );
  return false;
}

/**
 * The entities of one full read: Groups (departments) first, then Users.
 * Names come from assignNames, so everyone the catalog already has keeps
 * their name; a custom user transformer names its users itself.
 */
export async function organisationEntities(
  org: DingtalkOrganisation,
  current: ProviderEntities,
  deps: {
    config: DingtalkOrgProviderConfig;
    logger: LoggerService;
    userTransformer?: DingtalkUserTransformer;
    groupTransformer?: DingtalkGroupTransformer;
  },
): Promise<{ entities: Entity[]; departments: number }> {
  const c = deps.config;
  const names = assignNames(
    org.departments,
    defaultGroupName,
    d => String(d.deptId),
    current.groupNames,
    'dept',
  );
  const userNames = assignNames(
    org.users,
    defaultUserName,
    u => u.userId,
    current.userNames,
    'user',
  );
  const groups = new Map<number, string>();
  const ctx = (): DingtalkTransformerContext => ({
    providerId: c.id,
    integrationId: c.integrationId,
    corpId: org.corpId,
    groupNameOf: id => groups.get(id),
    userNamespace: c.userNamespace,
    groupNamespace: c.groupNamespace,
    includeMobile: c.includeMobile,
  });
  const entities: Entity[] = [];
  const groupTransformer = deps.groupTransformer ?? defaultGroupTransformer;
  // Parents before children (the read is breadth first), so each knows its parent's name.
  for (const d of org.departments) {
    const isRoot = d.deptId === c.rootDepartmentId;
    const entity = await groupTransformer(d, {
      ...ctx(),
      name: names.get(String(d.deptId))!,
      parentName: d.parentId ? groups.get(d.parentId) : undefined,
      isRoot,
    });
    if (!entity || !acceptable(entity, deps.logger)) continue;
    groups.set(d.deptId, entity.metadata.name);
    entities.push(entity);
  }
  const userTransformer = deps.userTransformer ?? defaultUserTransformer;
  for (const u of org.users) {
    const entity = await userTransformer(u, ctx());
    if (!entity) continue;
    if (deps.userTransformer === undefined)
      entity.metadata.name = userNames.get(u.userId)!;
    if (!acceptable(entity, deps.logger)) continue;
    entities.push(entity);
  }
  return { entities, departments: groups.size };
}
