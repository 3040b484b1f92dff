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

// The frames the Stream gateway owes an app, until each is ACKed: DingTalk
// pushes a frame to one connection that subscribed to its topic. An EVENT
// frame is pushed again when no ACK came in time or the ACK said `LATER`,
// until a number of deliveries or its time to live ran out (also while no
// connection takes it). A CALLBACK frame (a card click, a robot message) has
// someone waiting for its answer: it is delivered once, any answer ends it
// (an error code too), and without one it times out.
import { WebSocket } from 'ws';
import type { EmulatorContext } from '../context';

export type Frame = {
  specVersion: string;
  type: string;
  headers: Record<string, string>;
  data: string;
};

export type Subscription = { type: string; topic: string };

/** How a frame ended: ACKed (with the ACK's data, parsed) or expired. */
export type FrameOutcome =
  | {
      acked: true;
      /** The answer's code: 200, or a CALLBACK's error (400, 500, ...). */
      code: number;
      message?: string;
      data: any;
      deliveries: number;
    }
  | { acked: false; expired: true; deliveries: number };

interface Pending {
  frame: Frame;
  deliveries: number;
  /** The connection the last delivery went to. */
  ws?: WebSocket;
  timer?: NodeJS.Timeout;
  /** Ends the frame when its time to live is over, delivered or not. */
  ttl?: NodeJS.Timeout;
  done: (outcome: FrameOutcome) => void;
}

/** Whether a connection with these subscriptions takes this frame. */
export function subscribed(subs: Subscription[], frame: Frame): boolean {
  return subs.some(s =>
    frame.type === 'EVENT'
      ? s.type === 'EVENT' &&
        (s.topic === '*' || s.topic === frame.headers.eventType)
      : s.type === frame.type && s.topic === frame.headers.topic,
  );
}

export class StreamQueue {
  private readonly pending = new Map<string, Map<string, Pending>>();

  constructor(
    private readonly ctx: EmulatorContext,
    /** The app's connections that may take a frame now, in preference order. */
    private readonly targets: (appKey: string, frame: Frame) => WebSocket[],
  ) {}

  /** After an ACK that says LATER (or a code other than 200). */
  private get redeliveryMs() {
    return this.ctx.options.streamRedeliveryMs ?? 10_000;
  }

  /** After a delivery that got no ACK at all. */
  private get ackTimeoutMs() {
    return this.ctx.options.streamAckTimeoutMs ?? 60_000;
  }

  private get maxDeliveries() {
    return this.ctx.options.streamMaxDeliveries ?? 5;
  }

  /**
   * How long a frame is kept from when it is queued: an EVENT as long as its
   * deliveries could take when each goes unanswered; a CALLBACK as long as
   * the caller waits (pushTimeoutMs).
   */
  private ttlMs(frame: Frame) {
    if (frame.type !== 'EVENT') return this.ctx.pushTimeoutMs;
    return (
      this.ctx.options.streamQueueTtlMs ??
      this.ackTimeoutMs * this.maxDeliveries
    );
  }

  /** Queues a frame and pushes it when a subscribed connection is there. */
  send(appKey: string, frame: Frame): Promise<FrameOutcome> {
    return new Promise(done => {
      const queue = this.pending.get(appKey) ?? new Map<string, Pending>();
      this.pending.set(appKey, queue);
      const entry: Pending = { frame, deliveries: 0, done };
      queue.set(frame.headers.messageId, entry);
      entry.ttl = setTimeout(
        () => this.expire(appKey, entry),
        this.ttlMs(frame),
      );
      entry.ttl.unref?.();
      this.deliver(appKey, entry);
    });
  }

  /** How many deliveries a queued frame has had (0 once it is gone). */
  deliveries(appKey: string, messageId: string): number {
    return this.pending.get(appKey)?.get(messageId)?.deliveries ?? 0;
  }

  /** A new connection: push it what waits for a connection. */
  connected(appKey: string) {
    for (const entry of this.pending.get(appKey)?.values() ?? []) {
      if (entry.ws?.readyState !== WebSocket.OPEN && !entry.timer)
        this.deliver(appKey, entry);
    }
  }

  /**
   * A connection closed: the events it had un-ACKed go to another one, or
   * wait; a callback it had is lost with it (it times out).
   */
  disconnected(appKey: string, ws: WebSocket) {
    for (const entry of this.pending.get(appKey)?.values() ?? []) {
      if (entry.ws !== ws || entry.frame.type !== 'EVENT') continue;
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.ws = undefined;
      this.deliver(appKey, entry);
    }
  }

  /**
   * An answer from the app. For an EVENT, `code: 200` with data `status:
   * 'LATER'` (the SDK's EventAck.LATER), or any other code, means not
   * processed: re-pushed later. For a CALLBACK any answer is final: an error
   * code is the callback's failure, relayed to whoever waits for it.
   */
  ack(appKey: string, msg: any): boolean {
    const messageId = msg?.headers?.messageId;
    const entry = messageId
      ? this.pending.get(appKey)?.get(messageId)
      : undefined;
    if (!entry) return false;
    let data: any = msg.data;
    try {
      data = typeof data === 'string' ? JSON.parse(data) : data;
    } catch {
      // leave as is
    }
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const code = Number(msg.code);
    if (
      entry.frame.type === 'EVENT' &&
      (code !== 200 || data?.status === 'LATER')
    ) {
      this.ctx.log(
        `stream frame ${messageId} not processed yet (${
          data?.status ?? msg.code
        }); re-pushing in ${this.redeliveryMs} ms`,
      );
      this.later(appKey, entry, this.redeliveryMs);
      return true;
    }
    clearTimeout(entry.ttl);
    this.pending.get(appKey)!.delete(messageId);
    entry.done({
      acked: true,
      code,
      message: typeof msg.message === 'string' ? msg.message : undefined,
      data,
      deliveries: entry.deliveries,
    });
    return true;
  }

  clear() {
    for (const queue of this.pending.values())
      for (const entry of queue.values()) {
        clearTimeout(entry.timer);
        clearTimeout(entry.ttl);
      }
    this.pending.clear();
  }

  private deliver(appKey: string, entry: Pending) {
    const ws = this.targets(appKey, entry.frame)[0];
    if (!ws) return; // waits for a (subscribed) connection, or its TTL
    const max = entry.frame.type === 'EVENT' ? this.maxDeliveries : 1;
    if (entry.deliveries >= max) {
      // a callback already delivered waits for its answer or its TTL
      if (entry.frame.type === 'EVENT') this.expire(appKey, entry);
      return;
    }
    entry.deliveries += 1;
    entry.ws = ws;
    ws.send(JSON.stringify(entry.frame));
    if (entry.frame.type === 'EVENT')
      this.later(appKey, entry, this.ackTimeoutMs);
  }

  /** Re-pushes after `ms` unless ACKed meanwhile. */
  private later(appKey: string, entry: Pending, ms: number) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.deliveries >= this.maxDeliveries) this.expire(appKey, entry);
      else this.deliver(appKey, entry);
    }, ms);
    entry.timer.unref?.();
  }

  private expire(appKey: string, entry: Pending) {
    clearTimeout(entry.timer);
    clearTimeout(entry.ttl);
    const queue = this.pending.get(appKey);
    if (queue?.get(entry.frame.headers.messageId) !== entry) return; // ended already
    queue.delete(entry.frame.headers.messageId);
    this.ctx.log(
      `stream frame ${entry.frame.headers.messageId} (${
        entry.frame.headers.eventType ?? entry.frame.headers.topic
      }) expired after ${entry.deliveries} deliveries`,
    );
    entry.done({ acked: false, expired: true, deliveries: entry.deliveries });
  }
}
