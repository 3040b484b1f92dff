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

import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_ORIGIN_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DINGTALK_ANNOTATIONS,
  type DingtalkContactEvent,
  type DingtalkContactUser,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkOrgClient } from './DingtalkOrgClient';
import type { DingtalkOrgProviderConfig } from './DingtalkOrgEntityProvider';
import { suffixedName } from './names';
import type { RecentEntities } from './RecentEntities';
import {
  defaultGroupName,
  defaultUserName,
  locationOf,
  type DingtalkGroupTransformer,
  type DingtalkTransformerContext,
  type DingtalkUserTransformer,
} from './transformers';

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.annotations',
];

/**
 * What one address-book event changes in the catalog, worked out from the
 * event's people or departments alone (one DingTalk call per person or
 * department named) and from what the catalog holds of this provider: the
 * groups of the departments a person is in, the entity a leaving person or
 * removed department has. No full sync, and no state of an earlier sync in
 * memory (another replica may have run it).
 */
export class ContactDelta {
  constructor(
    private readonly deps: {
      config: DingtalkOrgProviderConfig;
      client: DingtalkOrgClient;
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      userTransformer: DingtalkUserTransformer;
      groupTransformer: DingtalkGroupTransformer;
      recent: RecentEntities;
    },
  ) {}

  async changes(
    event: DingtalkContactEvent,
  ): Promise<{ added: Entity[]; removed: string[] }> {
    const userIds = event.userIds ?? [];
    const deptIds = event.deptIds ?? [];
    switch (event.eventType) {
      case 'user_add_org':
      case 'user_modify_org':
        return this.users(event.corpId, userIds);
      case 'user_leave_org':
        return { added: [], removed: await this.userRefs(userIds) };
      case 'org_dept_create':
      case 'org_dept_modify':
        return this.departments(event.corpId, deptIds);
      case 'org_dept_remove':
        return {
          added: [],
          removed: await this.groupRefs(deptIds.map(String)),
        };
      default:
        return { added: [], removed: [] };
    }
  }

  private async users(corpId: string, userIds: string[]) {
    const added: Entity[] = [];
    const removed: string[] = [];
    const people: DingtalkContactUser[] = [];
    for (const userId of userIds) {
      const user = await this.deps.client.user(userId);
      // Gone already (joined and left again): leaves the catalog.
      if (!user) {
        removed.push(...(await this.userRefs([userId])));
        continue;
      }
      if (this.deps.config.includeInactive === false && user.active === false)
        continue;
      people.push(user);
    }
    const groups = await this.groupNames(people.flatMap(p => p.deptIds));
    for (const user of people) {
      const inScope =
        this.deps.config.rootDepartmentId === 1 ||
        user.deptIds.some(d => groups.has(d));
      const existing = await this.userRefs([user.userId]);
      if (!inScope) {
        removed.push(...existing);
        continue;
      }
      const entity = await this.deps.userTransformer(
        user,
        this.ctx(corpId, groups),
      );
      if (!entity) {
        removed.push(...existing);
        continue;
      }
      // A person keeps the name the catalog knows them by; a new one whose
      // default name another person has gets a short hash of their userid.
      const [current] = existing;
      if (current) entity.metadata.name = nameOf(current);
      else if (entity.metadata.name === defaultUserName(user))
        entity.metadata.name = await this.freeName(
          'user',
          this.deps.config.userNamespace,
          entity.metadata.name,
          DINGTALK_ANNOTATIONS.userId,
          user.userId,
        );
      added.push(entity);
    }
    return { added, removed };
  }

  private async departments(corpId: string, deptIds: number[]) {
    const added: Entity[] = [];
    const removed: string[] = [];
    for (const deptId of deptIds) {
      const dept = await this.deps.client.department(deptId);
      const existing = await this.groupRefs([String(deptId)]);
      if (!dept) {
        removed.push(...existing);
        continue;
      }
      const isRoot = dept.deptId === this.deps.config.rootDepartmentId;
      const parents = await this.groupNames(
        dept.parentId ? [dept.parentId] : [],
      );
      const parentName = dept.parentId ? parents.get(dept.parentId) : undefined;
      // Outside the synced tree (its parent is not synced): not ours.
      if (!isRoot && !parentName) {
        removed.push(...existing);
        continue;
      }
      const [current] = existing;
      const name = current
        ? nameOf(current)
        : await this.freeName(
            'group',
            this.deps.config.groupNamespace,
            defaultGroupName(dept),
            DINGTALK_ANNOTATIONS.deptId,
            String(dept.deptId),
          );
      const entity = await this.deps.groupTransformer(dept, {
        ...this.ctx(corpId, parents),
        name,
        parentName,
        isRoot,
      });
      if (entity) added.push(entity);
      else removed.push(...existing);
    }
    return { added, removed };
  }

  private ctx(
    corpId: string,
    groups: Map<number, string>,
  ): DingtalkTransformerContext {
    const c = this.deps.config;
    return {
      providerId: c.id,
      integrationId: c.integrationId,
      corpId,
      groupNameOf: id => groups.get(id),
      userNamespace: c.userNamespace,
      groupNamespace: c.groupNamespace,
      includeMobile: c.includeMobile,
    };
  }

  /** Group names of synced departments, by department id. */
  private async groupNames(deptIds: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (deptIds.length === 0) return out;
    for (const e of await this.ours('Group', DINGTALK_ANNOTATIONS.deptId, [
      ...new Set(deptIds.map(String)),
    ])) {
      out.set(
        Number(e.metadata.annotations![DINGTALK_ANNOTATIONS.deptId]),
        e.metadata.name,
      );
    }
    // Departments created just now, not through the catalog's processing yet.
    for (const id of deptIds) {
      const r = this.deps.recent.group(String(id));
      if (r && !out.has(id)) out.set(id, r.name);
    }
    return out;
  }

  /** This provider's Users of these people: in the catalog, or emitted just now. */
  private async userRefs(userIds: string[]): Promise<string[]> {
    const refs = await this.refsBy(
      'User',
      DINGTALK_ANNOTATIONS.userId,
      userIds,
    );
    for (const id of userIds) {
      const r = this.deps.recent.user(id);
      if (r && !refs.includes(r.ref)) refs.push(r.ref);
    }
    return refs;
  }

  private async groupRefs(deptIds: string[]): Promise<string[]> {
    const refs = await this.refsBy(
      'Group',
      DINGTALK_ANNOTATIONS.deptId,
      deptIds,
    );
    for (const id of deptIds) {
      const r = this.deps.recent.group(id);
      if (r && !refs.includes(r.ref)) refs.push(r.ref);
    }
    return refs;
  }

  private async refsBy(kind: string, annotation: string, values: string[]) {
    return (await this.ours(kind, annotation, values)).map(e =>
      stringifyEntityRef(e),
    );
  }

  /** This provider's entities with one of these annotation values. */
  private async ours(
    kind: string,
    annotation: string,
    values: string[],
  ): Promise<Entity[]> {
    if (values.length === 0) return [];
    const { items } = await this.deps.catalog.getEntities(
      {
        filter: {
          kind,
          [`metadata.annotations.${annotation}`]: values,
          [`metadata.annotations.${ANNOTATION_ORIGIN_LOCATION}`]: locationOf(
            this.deps.config.id,
          ),
        },
        fields: FIELDS,
      },
      { credentials: await this.deps.auth.getOwnServiceCredentials() },
    );
    // The catalog's filter ignores case; DingTalk's ids do not (`bob` and
    // `Bob` are two people).
    const wanted = new Set(values);
    return items.filter(e =>
      wanted.has(e.metadata.annotations?.[annotation] ?? ''),
    );
  }

  /**
   * `name`, or the name with a short hash of `key` when another entity of
   * that kind has it (in the catalog, or emitted just now): as a full sync
   * names newcomers (assignNames).
   */
  private async freeName(
    kind: 'user' | 'group',
    namespace: string,
    name: string,
    annotation: string,
    key: string,
  ): Promise<string> {
    const ref = `${kind}:${namespace}/${name}`;
    const taken = await this.deps.catalog.getEntityByRef(ref, {
      credentials: await this.deps.auth.getOwnServiceCredentials(),
    });
    const takenByOther =
      (taken && taken.metadata.annotations?.[annotation] !== key) ||
      this.deps.recent.refTaken(kind, ref, key);
    return takenByOther
      ? suffixedName(name, key, kind === 'user' ? 'user' : 'dept')
      : name;
  }
}

function nameOf(ref: string): string {
  return ref.slice(ref.indexOf('/') + 1);
}
