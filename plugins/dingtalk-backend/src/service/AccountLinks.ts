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
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  ANNOTATION_ORIGIN_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DINGTALK_ANNOTATIONS,
  type DingtalkAccountLink,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { Knex } from 'knex';
import { LinksStore } from '../database/LinksStore';

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.annotations',
  'spec.profile.displayName',
];

/** The origin location prefix of the org provider's entities (catalog-backend-module-dingtalk). */
export const ORG_PROVIDER_LOCATION_PREFIX = 'dingtalk-org:';

/**
 * The link the catalog makes: a User entity the org provider
 * (catalog-backend-module-dingtalk) emitted, with `dingtalk.com/user-id`, is
 * that DingTalk person in the organisation of its `dingtalk.com/corp-id`.
 * Only the provider's entities count (origin location `dingtalk-org:<id>`,
 * CorpId required): an annotation anyone can write in a catalog-info.yaml
 * must not make a DingTalk account act as that user from cards.
 */
export function syncLinkOf(
  entity: Entity,
  integration: { id: string; corpId: string },
): DingtalkAccountLink | undefined {
  const a = entity.metadata.annotations ?? {};
  const userId = a[DINGTALK_ANNOTATIONS.userId];
  if (entity.kind.toLowerCase() !== 'user' || !userId) return undefined;
  if (!a[ANNOTATION_ORIGIN_LOCATION]?.startsWith(ORG_PROVIDER_LOCATION_PREFIX))
    return undefined;
  if (a[DINGTALK_ANNOTATIONS.corpId] !== integration.corpId) return undefined;
  return {
    integrationId: integration.id,
    userEntityRef: stringifyEntityRef(entity),
    dingtalkUserId: userId,
    unionId: a[DINGTALK_ANNOTATIONS.unionId] || undefined,
    name: (entity.spec as any)?.profile?.displayName,
    // Not stored: the link is as old as the catalog entity, which the
    // catalog API does not say. Empty reads as "kept by the sync".
    linkedAt: '',
    source: 'sync',
  };
}

/**
 * Account links as everything that sends or acts for people sees them: the
 * stored links (H5 page, sign-in, mobile run, admin) first, then the catalog
 * annotation of synced people. A person of the synced organisation is thus
 * reachable, and may act from cards, without visiting the H5 page; the
 * stored links remain for people outside the sync. A subclass of the store
 * so that every user of it (messages, card clicks, H5 session, link flow)
 * gets the same answer without knowing about the sync.
 */
export class AccountLinks extends LinksStore {
  constructor(
    db: Knex,
    private readonly deps: {
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      /** The integration's CorpId (the annotation names the organisation). */
      corpIdOf: (integrationId: string) => Promise<string | undefined>;
    },
  ) {
    super(db);
  }

  async byUsers(
    integrationId: string,
    userEntityRefs: string[],
  ): Promise<Map<string, DingtalkAccountLink>> {
    const result = await super.byUsers(integrationId, userEntityRefs);
    const missing = [...new Set(userEntityRefs)].filter(r => !result.has(r));
    if (missing.length === 0) return result;
    const corpId = await this.deps.corpIdOf(integrationId);
    if (!corpId) return result;
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    for (let i = 0; i < missing.length; i += 100) {
      const { items } = await this.deps.catalog.getEntitiesByRefs(
        { entityRefs: missing.slice(i, i + 100), fields: FIELDS },
        { credentials },
      );
      const found = items
        .map(
          entity => entity && syncLinkOf(entity, { id: integrationId, corpId }),
        )
        .filter((l): l is DingtalkAccountLink => !!l);
      const claimants = await this.claimants(
        integrationId,
        corpId,
        found.map(l => l.dingtalkUserId),
      );
      for (const link of found) {
        // Another catalog user holds that DingTalk id too (synced or
        // stored): sending to or acting as either could be wrong.
        const others = (claimants.get(link.dingtalkUserId) ?? []).filter(
          r => r !== link.userEntityRef,
        );
        if (others.length > 0) {
          this.warnAmbiguous(integrationId, link.dingtalkUserId, [
            link.userEntityRef,
            ...others,
          ]);
          continue;
        }
        result.set(link.userEntityRef, link);
      }
    }
    return result;
  }

  /**
   * Refuses a link (ConflictError) when a synced catalog user other than
   * the target holds that DingTalk id: the organisation sync says whose
   * account it is, a stored link must not give it to someone else.
   */
  async linkAll(
    links: DingtalkAccountLink[],
    within?: (tx: Knex.Transaction) => Promise<void>,
  ): Promise<void> {
    for (const l of links) await this.assertNoSyncedClaimant(l);
    await super.linkAll(links, within);
  }

  /** Throws linkConflict-like ConflictError when another synced user holds the id. */
  async assertNoSyncedClaimant(
    l: Pick<
      DingtalkAccountLink,
      'integrationId' | 'userEntityRef' | 'dingtalkUserId'
    >,
  ): Promise<void> {
    const corpId = await this.deps.corpIdOf(l.integrationId);
    if (!corpId) return;
    const other = (
      await this.synced(l.integrationId, corpId, {
        [`metadata.annotations.${DINGTALK_ANNOTATIONS.userId}`]:
          l.dingtalkUserId,
      })
    ).find(s => s.userEntityRef !== l.userEntityRef);
    if (other)
      throw new ConflictError(
        `This DingTalk account belongs to ${other.userEntityRef} in the catalog (organisation sync): it cannot be linked to ${l.userEntityRef}`,
      );
  }

  /**
   * Every catalog user claiming each DingTalk id of the integration: synced
   * entities with the annotation and stored links.
   */
  async claimants(
    integrationId: string,
    corpId: string,
    dingtalkUserIds: string[],
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const ids = [...new Set(dingtalkUserIds)];
    const add = (id: string, ref: string) => {
      const refs = out.get(id) ?? [];
      if (!refs.includes(ref)) out.set(id, [...refs, ref]);
    };
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      for (const l of await this.synced(integrationId, corpId, {
        [`metadata.annotations.${DINGTALK_ANNOTATIONS.userId}`]: chunk,
      }))
        add(l.dingtalkUserId, l.userEntityRef);
      for (const l of await super.byDingtalkUsers(integrationId, chunk))
        add(l.dingtalkUserId, l.userEntityRef);
    }
    return out;
  }

  private warnAmbiguous(
    integrationId: string,
    dingtalkUserId: string,
    refs: string[],
  ) {
    // Two catalog users claim one DingTalk account: acting as either could
    // be wrong, so neither is used until the catalog or the links are fixed.
    this.deps.logger.warn(
      `DingTalk user ${dingtalkUserId} of integration ${integrationId} is claimed by ${refs.join(
        ', ',
      )}: not linked until only one catalog user has it`,
    );
  }

  async byDingtalkUser(
    integrationId: string,
    dingtalkUserId: string,
  ): Promise<DingtalkAccountLink | undefined> {
    const stored = await super.byDingtalkUser(integrationId, dingtalkUserId);
    const corpId = await this.deps.corpIdOf(integrationId);
    if (!corpId) return stored;
    const candidates = await this.synced(integrationId, corpId, {
      [`metadata.annotations.${DINGTALK_ANNOTATIONS.userId}`]: dingtalkUserId,
    });
    const refs = [
      ...new Set([
        ...(stored ? [stored.userEntityRef] : []),
        ...candidates.map(c => c.userEntityRef),
      ]),
    ];
    if (refs.length > 1) {
      this.warnAmbiguous(integrationId, dingtalkUserId, refs);
      return undefined;
    }
    if (stored) return stored;
    const [link] = candidates;
    if (!link) return undefined;
    // A stored link of that catalog user to another DingTalk account wins
    // (an admin or the person chose it).
    const own = (await super.byUsers(integrationId, [link.userEntityRef])).get(
      link.userEntityRef,
    );
    return own ? undefined : link;
  }

  /**
   * Every synced person of the integration's organisation, with display
   * names, for the linked-users view.
   */
  async syncedUsers(integrationId: string): Promise<DingtalkAccountLink[]> {
    const corpId = await this.deps.corpIdOf(integrationId);
    if (!corpId) return [];
    return this.synced(integrationId, corpId, {
      [`metadata.annotations.${DINGTALK_ANNOTATIONS.userId}`]:
        CATALOG_FILTER_EXISTS,
    });
  }

  private async synced(
    integrationId: string,
    corpId: string,
    filter: Record<string, string | string[] | symbol>,
  ): Promise<DingtalkAccountLink[]> {
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const { items } = await this.deps.catalog.getEntities(
      { filter: { kind: 'User', ...filter } as any, fields: FIELDS },
      { credentials },
    );
    // The catalog's filter ignores case; DingTalk's userids do not.
    const wanted =
      filter[`metadata.annotations.${DINGTALK_ANNOTATIONS.userId}`];
    let exact: Set<string> | undefined;
    if (typeof wanted === 'string') exact = new Set([wanted]);
    else if (Array.isArray(wanted)) exact = new Set<string>(wanted);
    return items
      .map(e => syncLinkOf(e, { id: integrationId, corpId }))
      .filter((l): l is DingtalkAccountLink => !!l)
      .filter(l => !exact || exact.has(l.dingtalkUserId));
  }
}
