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

import { ConflictError } from '@backstage/errors';
import type { Knex } from 'knex';
import type { DingtalkAccountLink } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** Links between Backstage users and DingTalk users, per integration. */
export class LinksStore {
  constructor(private readonly db: Knex) {}

  /**
   * Links the two accounts. Neither may be linked already: replacing a link
   * takes an explicit unlink first (ConflictError), so that no link can be
   * moved to another account by one click. `within` runs in the same
   * transaction first (the H5 flow consumes its link ticket there, so a link
   * that fails leaves the ticket usable, and a used ticket links nothing).
   */
  async link(
    l: DingtalkAccountLink,
    within?: (tx: Knex.Transaction) => Promise<void>,
  ): Promise<void> {
    await this.linkAll([l], within);
  }

  /** Several links in one transaction: all are made, or none (the first conflict throws). */
  async linkAll(
    links: DingtalkAccountLink[],
    within?: (tx: Knex.Transaction) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await within?.(tx);
      for (const l of links) {
        const existing = await tx('dingtalk_links')
          .where({ integration_id: l.integrationId })
          .andWhere(q =>
            q
              .where({ user_entity_ref: l.userEntityRef })
              .orWhere({ dingtalk_user_id: l.dingtalkUserId }),
          )
          .first();
        if (existing) throw linkConflict(toLink(existing), l);
        await tx('dingtalk_links').insert({
          integration_id: l.integrationId,
          user_entity_ref: l.userEntityRef,
          dingtalk_user_id: l.dingtalkUserId,
          union_id: l.unionId ?? null,
          name: l.name ?? null,
          linked_at: l.linkedAt,
          source: l.source && l.source !== 'sync' ? l.source : 'h5',
        });
      }
    });
  }

  /** Removes every stored link of these DingTalk users (they left the organisation); returns what was removed. */
  async unlinkDingtalkUsers(
    integrationId: string,
    dingtalkUserIds: string[],
  ): Promise<DingtalkAccountLink[]> {
    if (dingtalkUserIds.length === 0) return [];
    return this.db.transaction(async tx => {
      const rows = await tx('dingtalk_links')
        .where({ integration_id: integrationId })
        .whereIn('dingtalk_user_id', dingtalkUserIds);
      if (rows.length === 0) return [];
      await tx('dingtalk_links')
        .where({ integration_id: integrationId })
        .whereIn('dingtalk_user_id', dingtalkUserIds)
        .delete();
      return rows.map(toLink);
    });
  }

  async unlink(integrationId: string, userEntityRef: string): Promise<boolean> {
    return (
      (await this.db('dingtalk_links')
        .where({
          integration_id: integrationId,
          user_entity_ref: userEntityRef,
        })
        .delete()) > 0
    );
  }

  async byUsers(
    integrationId: string,
    userEntityRefs: string[],
  ): Promise<Map<string, DingtalkAccountLink>> {
    const result = new Map<string, DingtalkAccountLink>();
    for (let i = 0; i < userEntityRefs.length; i += 500) {
      const rows = await this.db('dingtalk_links')
        .where({ integration_id: integrationId })
        .whereIn('user_entity_ref', userEntityRefs.slice(i, i + 500));
      for (const r of rows) result.set(r.user_entity_ref, toLink(r));
    }
    return result;
  }

  async byDingtalkUser(
    integrationId: string,
    dingtalkUserId: string,
  ): Promise<DingtalkAccountLink | undefined> {
    const row = await this.db('dingtalk_links')
      .where({
        integration_id: integrationId,
        dingtalk_user_id: dingtalkUserId,
      })
      .first();
    return row ? toLink(row) : undefined;
  }

  async byDingtalkUsers(
    integrationId: string,
    dingtalkUserIds: string[],
  ): Promise<DingtalkAccountLink[]> {
    const out: DingtalkAccountLink[] = [];
    for (let i = 0; i < dingtalkUserIds.length; i += 500) {
      const rows = await this.db('dingtalk_links')
        .where({ integration_id: integrationId })
        .whereIn('dingtalk_user_id', dingtalkUserIds.slice(i, i + 500));
      out.push(...rows.map(toLink));
    }
    return out;
  }

  async list(filter: {
    integrationId?: string;
    userEntityRef?: string;
  }): Promise<DingtalkAccountLink[]> {
    const q = this.db('dingtalk_links');
    if (filter.integrationId) q.where('integration_id', filter.integrationId);
    if (filter.userEntityRef) q.where('user_entity_ref', filter.userEntityRef);
    return (await q.orderBy('user_entity_ref')).map(toLink);
  }
}

/** Why `wanted` cannot be linked while `existing` is. */
export function linkConflict(
  existing: DingtalkAccountLink,
  wanted: Pick<DingtalkAccountLink, 'userEntityRef' | 'dingtalkUserId'>,
): ConflictError {
  if (existing.source === 'sync') {
    return new ConflictError(
      existing.userEntityRef === wanted.userEntityRef
        ? `${existing.userEntityRef} is linked to a DingTalk account by the organisation sync (its catalog annotation dingtalk.com/user-id); nothing else to link`
        : `This DingTalk account belongs to ${existing.userEntityRef} in the catalog (organisation sync): it cannot be linked to another user`,
    );
  }
  return new ConflictError(
    existing.userEntityRef === wanted.userEntityRef
      ? `${existing.userEntityRef} is already linked to a DingTalk account in integration '${existing.integrationId}': unlink it first, then link again`
      : `This DingTalk account is already linked to ${existing.userEntityRef} in integration '${existing.integrationId}': that link must be removed first`,
  );
}

function toLink(r: any): DingtalkAccountLink {
  return {
    integrationId: r.integration_id,
    userEntityRef: r.user_entity_ref,
    dingtalkUserId: r.dingtalk_user_id,
    unionId: r.union_id ?? undefined,
    name: r.name ?? undefined,
    linkedAt: r.linked_at,
    source: r.source ?? 'h5',
  };
}
