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
import { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  ChannelDeliveryResult,
  ChannelNotifyRequest,
  ChannelTarget,
  IncidentChange,
  OncallChannel,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';

/**
 * A stand-in for a peer channel (such as DingTalk) that records what the
 * on-call backend asks of it.
 */
export class FakeChannel implements OncallChannel {
  readonly id: string;
  readonly title: string;
  readonly notifications: ChannelNotifyRequest[] = [];
  readonly updates: Array<{ incident: Incident; change: IncidentChange }> = [];
  actions?: OncallIncidentActions;
  /** Outcome per target id or user ref; default 'sent'. */
  outcomes: Record<string, string> = {};
  /** When set, notify never settles (simulates a process dying mid-step). */
  hang = false;
  /** When set, notify takes this long (a slow chat API). */
  delayMs = 0;
  failNotify?: string;
  failUpdate?: string;
  targets: ChannelTarget[] = [
    { id: 'cid-sre', title: 'SRE On-call', available: true },
    { id: 'cid-pay', title: 'Payments Team', available: false },
  ];

  constructor(id = 'fake', title = 'Fake chat') {
    this.id = id;
    this.title = title;
  }

  async listTargets(opts: { query?: string; limit?: number; cursor?: string }) {
    const start = opts.cursor ? Number(opts.cursor) : 0;
    const matching = this.targets.filter(
      t =>
        !opts.query || t.title.toLowerCase().includes(opts.query.toLowerCase()),
    );
    const limit = opts.limit ?? 50;
    const items = matching.slice(start, start + limit);
    return {
      items,
      nextCursor:
        start + limit < matching.length ? String(start + limit) : undefined,
    };
  }

  async notify(req: ChannelNotifyRequest): Promise<ChannelDeliveryResult[]> {
    this.notifications.push(req);
    if (this.hang) {
      return new Promise<ChannelDeliveryResult[]>(() => {});
    }
    if (this.delayMs) await new Promise(r => setTimeout(r, this.delayMs));
    if (this.failNotify) throw new Error(this.failNotify);
    return [
      ...req.targets.map(t => ({
        target: t.id,
        outcome: this.outcomes[t.id] ?? 'sent',
      })),
      ...req.users.map(u => ({
        target: u,
        user: u,
        outcome: this.outcomes[u] ?? 'sent',
      })),
    ];
  }

  async update(req: { incident: Incident; change: IncidentChange }) {
    this.updates.push(req);
    if (this.failUpdate) throw new Error(this.failUpdate);
  }

  bind(ctx: { incidents: OncallIncidentActions }) {
    this.actions = ctx.incidents;
  }

  /** Step numbers notified for an incident, in order. */
  stepsFor(incidentId: string): number[] {
    return this.notifications
      .filter(n => n.incident.id === incidentId)
      .map(n => n.step);
  }
}

/** Polls until the assertion passes (for fire-and-forget channel updates). */
export async function eventually(
  assertion: () => void | Promise<void>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise(r => setTimeout(r, 10));
    }
  }
}
