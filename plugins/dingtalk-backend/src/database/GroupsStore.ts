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
import type { Knex } from 'knex';
import type { DingtalkGroupChat } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

/** Matches counted exactly by the group search; past it, "more than". */
export const SEARCH_COUNT_CAP = 1000;

function encodeCursor(titleLower: string, id: string): string {
  return Buffer.from(JSON.stringify([titleLower, id])).toString('base64url');
}

/** An offset (digits) or a keyset position; anything else is refused. */
function decodeCursor(
  cursor: string | undefined,
): number | { t: string; id: string } | undefined {
  if (!cursor) return undefined;
  if (/^\d{1,9}$/.test(cursor)) return Number(cursor);
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string'
    )
      return { t: v[0], id: v[1] };
  } catch {
    // not one of ours: refused below
  }
  throw new InputError('cursor is not one this API handed out');
}

/** Group chats where an integration's Cool App is, or was, installed. */
export class GroupsStore {
  constructor(private readonly db: Knex) {}

  async install(
    integrationId: string,
    g: { openConversationId: string; title: string; chatId?: string },
    at: string,
  ) {
    await this.db('dingtalk_groups')
      .insert({
        integration_id: integrationId,
        open_conversation_id: g.openConversationId,
        chat_id: g.chatId ?? null,
        title: g.title,
        title_lower: g.title.toLowerCase(),
        installed: true,
        installed_at: at,
        uninstalled_at: null,
        updated_at: at,
      })
      .onConflict(['integration_id', 'open_conversation_id'])
      .merge([
        'title',
        'title_lower',
        'installed',
        'installed_at',
        'uninstalled_at',
        'updated_at',
      ]);
  }

  async uninstall(
    integrationId: string,
    openConversationId: string,
    at: string,
  ): Promise<boolean> {
    const n = await this.db('dingtalk_groups')
      .where({
        integration_id: integrationId,
        open_conversation_id: openConversationId,
      })
      .update({ installed: false, uninstalled_at: at, updated_at: at });
    return n > 0;
  }

  async rename(
    integrationId: string,
    key: { openConversationId?: string; chatId?: string },
    title: string,
    at: string,
  ): Promise<void> {
    if (key.openConversationId) {
      // The event callback's statement: a fixed text skips the query
      // builder's compile on every rename push.
      await this.db.raw(
        'update dingtalk_groups set title = ?, title_lower = ?, updated_at = ? where integration_id = ? and open_conversation_id = ?',
        [title, title.toLowerCase(), at, integrationId, key.openConversationId],
      );
      return;
    }
    if (!key.chatId) return;
    await this.db('dingtalk_groups')
      .where({ integration_id: integrationId, chat_id: key.chatId })
      .update({ title, title_lower: title.toLowerCase(), updated_at: at });
  }

  /**
   * Renames several groups in one statement (an `update ... from` a list of
   * values, which SQLite and PostgreSQL both have; elsewhere one by one). At
   * most one rename per group: the caller keeps the latest.
   */
  async renameMany(
    renames: Array<{
      integrationId: string;
      openConversationId: string;
      title: string;
      at: string;
    }>,
  ): Promise<void> {
    const client = this.db.client.config?.client;
    if (
      renames.length === 1 ||
      (client !== 'better-sqlite3' && client !== 'pg')
    ) {
      for (const r of renames)
        await this.rename(
          r.integrationId,
          { openConversationId: r.openConversationId },
          r.title,
          r.at,
        );
      return;
    }
    const bindings: string[] = [];
    for (const r of renames)
      bindings.push(
        r.integrationId,
        r.openConversationId,
        r.title,
        r.title.toLowerCase(),
        r.at,
      );
    await this.db.raw(
      `with v (integration_id, open_conversation_id, title, title_lower, updated_at) as (values ${renames
        .map(() => '(?, ?, ?, ?, ?)')
        .join(
          ', ',
        )}) update dingtalk_groups set title = v.title, title_lower = v.title_lower, updated_at = v.updated_at from v where dingtalk_groups.integration_id = v.integration_id and dingtalk_groups.open_conversation_id = v.open_conversation_id`,
      bindings,
    );
  }

  async get(
    integrationId: string,
    openConversationId: string,
  ): Promise<DingtalkGroupChat | undefined> {
    const row = await this.db('dingtalk_groups')
      .where({
        integration_id: integrationId,
        open_conversation_id: openConversationId,
      })
      .first();
    return row ? toGroup(row) : undefined;
  }

  /**
   * Installed groups whose title contains `q` (any case), a page at a time,
   * in title order. Pages follow a keyset cursor (the last row's title and
   * id, opaque to callers): the next page starts where the last one ended
   * instead of skipping `offset` rows again. A numeric cursor is still read
   * as an offset. `total` is exact up to {@link SEARCH_COUNT_CAP} matches;
   * past that only `totalAtLeast` is given: counting every match of a short
   * word among 100,000 groups is what made the picker slow (bench/picker.ts),
   * and nobody pages through more than a thousand.
   */
  async search(
    integrationId: string,
    opts: {
      q?: string;
      limit: number;
      offset?: number;
      cursor?: string;
      includeUninstalled?: boolean;
    },
  ): Promise<{
    items: DingtalkGroupChat[];
    total?: number;
    totalAtLeast?: number;
    nextCursor?: string;
  }> {
    const base = this.db('dingtalk_groups').where({
      integration_id: integrationId,
    });
    if (!opts.includeUninstalled) base.andWhere({ installed: true });
    if (opts.q) {
      const escaped = opts.q.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`);
      // PostgreSQL's LIKE escapes with a backslash already, and a plain
      // LIKE is what its trigram index serves; SQLite needs it said.
      if (this.db.client.config?.client === 'pg')
        base.andWhere('title_lower', 'like', `%${escaped}%`);
      else base.andWhereRaw("title_lower like ? escape '\\'", [`%${escaped}%`]);
    }
    const counted = this.db
      .from(
        base
          .clone()
          .select(this.db.raw('1'))
          .limit(SEARCH_COUNT_CAP + 1)
          .as('m'),
      )
      .count({ count: '*' });
    const page = base.clone();
    const after = decodeCursor(opts.cursor);
    let offset = opts.offset ?? 0;
    if (typeof after === 'number') offset = after;
    else if (after) {
      page.andWhere(q =>
        q
          .where('title_lower', '>', after.t)
          .orWhere(qq =>
            qq
              .where('title_lower', after.t)
              .andWhere('open_conversation_id', '>', after.id),
          ),
      );
    }
    // On PostgreSQL the matches of a word come from the trigram index and
    // are then sorted: left to itself the planner walks the title index in
    // order and filters, which for a common word far down the alphabet reads
    // most of the table before it has a page (bench/picker.ts: 45 ms against
    // 14 ms at 100,000 groups).
    const ordered =
      opts.q && this.db.client.config?.client === 'pg'
        ? this.db.withMaterialized('m', page.select('*')).from('m')
        : page;
    const rows = await ordered
      .orderBy('title_lower')
      .orderBy('open_conversation_id')
      .limit(opts.limit + 1)
      .offset(offset);
    const more = rows.length > opts.limit;
    const items = rows.slice(0, opts.limit);
    // A first page that is not full is every match: no count needed (for a
    // word nothing has, that saves SQLite a second scan of every group).
    const matches =
      !more && offset === 0 && !after
        ? items.length
        : Number((await counted)[0].count);
    const last = items[items.length - 1];
    return {
      items: items.map(toGroup),
      ...(matches > SEARCH_COUNT_CAP
        ? { totalAtLeast: SEARCH_COUNT_CAP }
        : { total: matches }),
      nextCursor:
        more && last
          ? encodeCursor(last.title_lower, last.open_conversation_id)
          : undefined,
    };
  }

  async listInstalled(integrationId: string): Promise<DingtalkGroupChat[]> {
    const rows = await this.db('dingtalk_groups').where({
      integration_id: integrationId,
      installed: true,
    });
    return rows.map(toGroup);
  }
}

function toGroup(r: any): DingtalkGroupChat {
  return {
    integrationId: r.integration_id,
    openConversationId: r.open_conversation_id,
    chatId: r.chat_id ?? undefined,
    title: r.title,
    installed: Boolean(r.installed),
    installedAt: r.installed_at ?? undefined,
    uninstalledAt: r.uninstalled_at ?? undefined,
    updatedAt: r.updated_at,
  };
}
