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

import type { Knex } from 'knex';
import type { DingtalkGroupChat } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

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

  /** Installed groups whose title contains `q` (any case), a page at a time. */
  async search(
    integrationId: string,
    opts: {
      q?: string;
      limit: number;
      offset: number;
      includeUninstalled?: boolean;
    },
  ): Promise<{ items: DingtalkGroupChat[]; total: number }> {
    const base = this.db('dingtalk_groups').where({
      integration_id: integrationId,
    });
    if (!opts.includeUninstalled) base.andWhere({ installed: true });
    if (opts.q) {
      const escaped = opts.q.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`);
      base.andWhereRaw("title_lower like ? escape '\\'", [`%${escaped}%`]);
    }
    const [{ count }] = await base.clone().count({ count: '*' });
    const rows = await base
      .orderBy('title_lower')
      .orderBy('open_conversation_id')
      .limit(opts.limit)
      .offset(opts.offset);
    return { items: rows.map(toGroup), total: Number(count) };
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
