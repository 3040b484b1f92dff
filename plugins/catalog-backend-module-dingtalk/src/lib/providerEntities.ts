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
import {
  ANNOTATION_ORIGIN_LOCATION,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { DINGTALK_ANNOTATIONS } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { DingtalkOrgProviderConfig } from './config';
import { locationOf } from './transformers';

/** A full sync that would remove more than this share of the current entities is refused. */
const MASS_REMOVAL_SHARE = 0.5;

/** What one provider has in the catalog before a full sync replaces it. */
export interface ProviderEntities {
  /** Entity names by DingTalk userid, so a full sync keeps everyone's name. */
  userNames: Map<string, string>;
  /** Entity names by DingTalk department id (as a string), likewise. */
  groupNames: Map<string, string>;
  refs: string[];
}

/**
 * Read from the catalog rather than remembered from the last sync: another
 * replica may have run it, or this process may just have started.
 */
export async function readProviderEntities(deps: {
  catalog: CatalogService;
  auth: AuthService;
  providerId: string;
}): Promise<ProviderEntities> {
  const { items } = await deps.catalog.getEntities(
    {
      filter: {
        kind: ['User', 'Group'],
        [`metadata.annotations.${ANNOTATION_ORIGIN_LOCATION}`]: locationOf(
          deps.providerId,
        ),
      },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.annotations',
      ],
    },
    { credentials: await deps.auth.getOwnServiceCredentials() },
  );
  const userNames = new Map<string, string>();
  const groupNames = new Map<string, string>();
  for (const e of items) {
    const a = e.metadata.annotations ?? {};
    if (e.kind === 'User' && a[DINGTALK_ANNOTATIONS.userId])
      userNames.set(a[DINGTALK_ANNOTATIONS.userId], e.metadata.name);
    if (e.kind === 'Group' && a[DINGTALK_ANNOTATIONS.deptId])
      groupNames.set(a[DINGTALK_ANNOTATIONS.deptId], e.metadata.name);
  }
  return {
    userNames,
    groupNames,
    refs: items.map(e => stringifyEntityRef(e)),
  };
}

/**
 * An organisation read that lost most people (a contact scope narrowed by
 * mistake, a wrong root department) would empty the catalog and unlink
 * everyone at once: refused unless `allowMassRemoval` says it is meant.
 */
export function refuseMassRemoval(
  config: DingtalkOrgProviderConfig,
  currentRefs: string[],
  entities: Entity[],
): void {
  if (config.allowMassRemoval || currentRefs.length === 0) return;
  const next = new Set(entities.map(e => stringifyEntityRef(e)));
  const removed = currentRefs.filter(r => !next.has(r)).length;
  if (removed > currentRefs.length * MASS_REMOVAL_SHARE)
    throw new Error(
      `the sync would remove ${removed} of the ${currentRefs.length} entities this provider has; ` +
        `refused (set catalog.providers.dingtalk.${config.id}.allowMassRemoval: true if that is meant)`,
    );
}
