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

import type { EventsStore } from '../database/EventsStore';
import type { GroupsStore } from '../database/GroupsStore';

/** One event to claim, and the group rename it makes if it is new. */
export interface IngestItem {
  integrationId: string;
  eventKey: string;
  eventType: string;
  payload: string;
  at: string;
  status: 'done' | 'ignored';
  rename?: { openConversationId: string; title: string };
}

type Pending = IngestItem & {
  resolve: (claimed: boolean) => void;
  reject: (e: unknown) => void;
};

/** The most events written in one statement. */
const MAX_BATCH = 200;
/** Turns of the event loop a batch may wait for more pushes while they keep coming. */
const MAX_WAIT_TURNS = 4;

/**
 * Claims events (the dedupe table) and applies their group renames a batch
 * at a time: everything that arrives while the previous batch is being
 * written goes into the next one, so that under load N pushes cost two
 * statements, not 2N (bench/callback.ts), and a lone push waits for nothing
 * but one turn of the event loop. A rename that fails releases the claims of
 * every event whose rename was in that statement: each of their requests
 * fails and DingTalk retries them.
 */
export class EventIngest {
  private queue: Pending[] = [];
  private flushing = false;
  private seen = 0;
  private turns = 0;

  constructor(
    private readonly deps: { events: EventsStore; groups: GroupsStore },
  ) {}

  /** True when the event is new (and its rename, if any, applied); false for a duplicate. */
  submit(item: IngestItem): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        this.schedule();
      }
    });
  }

  /**
   * Waits a turn of the event loop, and another while pushes keep arriving
   * (at most MAX_WAIT_TURNS): with SQLite a statement takes no I/O time, so
   * without this every push would make its own batch. A lone push waits one
   * turn.
   */
  private schedule() {
    this.seen = this.queue.length;
    this.turns = 0;
    const check = () => {
      if (this.queue.length > this.seen && this.turns < MAX_WAIT_TURNS) {
        this.seen = this.queue.length;
        this.turns += 1;
        setImmediate(check);
        return;
      }
      void this.drain();
    };
    setImmediate(check);
  }

  private async drain() {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.write(batch);
      }
    } finally {
      this.flushing = false;
      // Anything queued between the last splice and now starts its own turn.
      if (this.queue.length) {
        this.flushing = true;
        this.schedule();
      }
    }
  }

  private async write(batch: Pending[]) {
    // The same event twice in one batch: the first copy is the one claimed.
    const first = new Map<string, Pending>();
    const repeats: Pending[] = [];
    for (const p of batch) {
      const id = `${p.integrationId}/${p.eventKey}`;
      if (first.has(id)) repeats.push(p);
      else first.set(id, p);
    }
    let claimed: Set<string>;
    try {
      claimed = await this.deps.events.claimMany([...first.values()]);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    const fresh = [...first.entries()]
      .filter(([id]) => claimed.has(id))
      .map(([, p]) => p);
    const renaming = fresh.filter(p => p.rename);
    if (renaming.length) {
      // The latest rename of a group wins, as it would one after another.
      const latest = new Map<string, Pending>();
      for (const p of renaming)
        latest.set(`${p.integrationId}/${p.rename!.openConversationId}`, p);
      try {
        await this.deps.groups.renameMany(
          [...latest.values()].map(p => ({
            integrationId: p.integrationId,
            openConversationId: p.rename!.openConversationId,
            title: p.rename!.title,
            at: p.at,
          })),
        );
      } catch (e) {
        await this.deps.events
          .releaseMany(
            renaming.map(p => ({
              integrationId: p.integrationId,
              eventKey: p.eventKey,
            })),
          )
          .catch(() => {});
        for (const p of renaming) p.reject(e);
        for (const p of fresh) if (!p.rename) p.resolve(true);
        for (const p of batch) if (!fresh.includes(p)) p.resolve(false);
        return;
      }
    }
    for (const p of fresh) p.resolve(true);
    for (const [id, p] of first) if (!claimed.has(id)) p.resolve(false);
    for (const p of repeats) p.resolve(false);
  }
}
