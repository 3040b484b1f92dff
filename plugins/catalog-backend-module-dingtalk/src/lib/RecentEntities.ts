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

import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { DINGTALK_ANNOTATIONS } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

const TTL_MS = 10 * 60_000;

interface Recent {
  ref: string;
  name: string;
  at: number;
}

/**
 * The entities this provider emitted in the last minutes, by DingTalk key.
 * The catalog shows an emitted entity only after its processing loop has
 * run (seconds, longer under load): a person who joins and leaves within
 * that time is not in the catalog yet when the leave is applied, and would
 * stay. Deltas read this besides the catalog, for removals, for the names
 * newcomers take, and for the groups of departments just created.
 */
export class RecentEntities {
  private readonly users = new Map<string, Recent>();
  private readonly groups = new Map<string, Recent>();

  constructor(private readonly now: () => number = Date.now) {}

  added(entities: Entity[]): void {
    const at = this.now();
    for (const e of entities) {
      const a = e.metadata.annotations ?? {};
      const entry = { ref: stringifyEntityRef(e), name: e.metadata.name, at };
      if (e.kind === 'User' && a[DINGTALK_ANNOTATIONS.userId])
        this.users.set(a[DINGTALK_ANNOTATIONS.userId], entry);
      if (e.kind === 'Group' && a[DINGTALK_ANNOTATIONS.deptId])
        this.groups.set(a[DINGTALK_ANNOTATIONS.deptId], entry);
    }
  }

  removed(refs: string[]): void {
    const gone = new Set(refs);
    for (const map of [this.users, this.groups])
      for (const [key, r] of map) if (gone.has(r.ref)) map.delete(key);
  }

  user(userId: string): Recent | undefined {
    return this.fresh(this.users, userId);
  }

  group(deptId: string): Recent | undefined {
    return this.fresh(this.groups, deptId);
  }

  /** Whether a recent entity other than `key`'s has this ref. */
  refTaken(kind: 'user' | 'group', ref: string, key: string): boolean {
    const map = kind === 'user' ? this.users : this.groups;
    for (const [k, r] of map)
      if (r.ref === ref && k !== key && this.now() - r.at < TTL_MS) return true;
    return false;
  }

  private fresh(map: Map<string, Recent>, key: string) {
    const r = map.get(key);
    if (!r) return undefined;
    if (this.now() - r.at >= TTL_MS) {
      map.delete(key);
      return undefined;
    }
    return r;
  }
}
