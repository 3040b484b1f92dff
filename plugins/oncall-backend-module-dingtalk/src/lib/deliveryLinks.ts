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

import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { OncallDeliveryLink } from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { CardsStore } from './CardsStore';
import { defaultIntegration, type ChannelDeps } from './context';

/**
 * The DingTalk page's operation records of one integration, filtered by an
 * incident: every send for an incident is recorded with the incident id as
 * its reference. The query parameters are the ones `plugins/dingtalk`'s
 * page reads (`integration`, `tab`, `reference`).
 */
export function recordsPageUrl(
  appBaseUrl: string,
  integrationId: string,
  reference: string,
): string {
  const query = new URLSearchParams({
    integration: integrationId,
    tab: 'records',
    reference,
  });
  return `${appBaseUrl.replace(/\/+$/, '')}/dingtalk?${query}`;
}

/**
 * Links to the operation records of an incident: one per integration its
 * cards went through, or the default integration's when none landed yet
 * (failed and refused sends are recorded there too).
 */
export async function deliveryLinks(
  deps: ChannelDeps,
  incident: Incident,
): Promise<OncallDeliveryLink[]> {
  const cards = await new CardsStore(deps.db).listFor(incident.id);
  const ids = new Set(
    cards.flatMap(c => (c.integration_id ? [c.integration_id] : [])),
  );
  if (ids.size === 0) {
    const fallback = await defaultIntegration(deps);
    if (fallback) ids.add(fallback.id);
  }
  const names = new Map(
    (await deps.notifier.listIntegrations()).map(i => [i.id, i.name]),
  );
  return [...ids].sort().map(id => ({
    title: `Operation records (${names.get(id) ?? id})`,
    url: recordsPageUrl(deps.appBaseUrl, id, incident.id),
  }));
}
