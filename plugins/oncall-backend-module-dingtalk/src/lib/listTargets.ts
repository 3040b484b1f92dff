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

import { InputError } from '@backstage/errors';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { ChannelTarget } from '@dingtalk-oncall/backstage-plugin-oncall-node';

const DEFAULT_LIMIT = 50;
const MAX_ROUNDS = 10;

/**
 * Where each integration's listing stands: its next cursor, or `false` once
 * it has no more groups. An integration not named has not been read yet.
 */
type Positions = Record<string, string | false>;

/**
 * The groups of every integration as one list, a page at a time. Each round
 * asks every integration with more to give (in parallel) for its share of
 * the room left on the page, so every item a round returns is on the page
 * and the cursor (every integration's own cursor) is exact: no group is
 * skipped or repeated between pages.
 */
export async function listTargetsAcross(
  notifier: DingtalkNotifierService,
  opts: { query?: string; limit?: number; cursor?: string },
): Promise<{ items: ChannelTarget[]; nextCursor?: string }> {
  const limit = Math.max(1, opts.limit ?? DEFAULT_LIMIT);
  const positions = decodeCursor(opts.cursor);
  const integrations = await notifier.listIntegrations();
  const items: ChannelTarget[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const open = integrations.filter(i => positions[i.id] !== false);
    const room = limit - items.length;
    if (open.length === 0 || room <= 0) break;
    const share = Math.max(1, Math.floor(room / open.length));
    const asked = open.slice(0, room);
    const pages = await Promise.all(
      asked.map(integration =>
        notifier.listGroups({
          integrationId: integration.id,
          q: opts.query,
          limit: share,
          cursor: positions[integration.id] || undefined,
        }),
      ),
    );
    asked.forEach((integration, n) => {
      const page = pages[n];
      for (const g of page.items.slice(0, share)) {
        items.push({
          id: g.openConversationId,
          title: g.title,
          integrationId: integration.id,
          description: integration.name,
          available: g.installed,
        });
      }
      positions[integration.id] = page.nextCursor ?? false;
    });
  }
  const more = integrations.some(i => positions[i.id] !== false);
  return { items, nextCursor: more ? encodeCursor(positions) : undefined };
}

function encodeCursor(positions: Positions): string {
  return Buffer.from(JSON.stringify(positions)).toString('base64url');
}

function decodeCursor(cursor?: string): Positions {
  if (!cursor) return {};
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (
      parsed &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every(
        v => v === false || (typeof v === 'string' && v.length <= 200),
      )
    ) {
      return parsed as Positions;
    }
  } catch {
    // reported below
  }
  throw new InputError('Invalid cursor: pass the nextCursor of a page');
}
