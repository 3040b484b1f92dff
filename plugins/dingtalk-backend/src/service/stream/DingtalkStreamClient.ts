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

import type { LoggerService } from '@backstage/backend-plugin-api';
import WebSocket from 'ws';
import {
  CARD_CALLBACK_TOPIC,
  closeSocket,
  encodeAnswer,
  failureAnswer,
  FrameAnswer,
  frameSchema,
  pongFor,
  ROBOT_MESSAGE_TOPIC,
  send,
  StreamFrame,
  StreamFrameHandler,
} from './streamFrames';

export {
  CARD_CALLBACK_TOPIC,
  ROBOT_MESSAGE_TOPIC,
  type StreamFrame,
  type StreamFrameHandler,
} from './streamFrames';

/*
 * Why our own client and not the official `dingtalk-stream` SDK (v2):
 * - the SDK ACKs an EVENT frame as soon as its listener returns, before an
 *   async listener has finished (it stringifies the returned Promise), so a
 *   crash or a dropped connection mid-processing would lose the event; we ACK
 *   only after processing, so that the gateway re-delivers what we did not
 *   finish;
 * - its gateway URL is a hard-coded constant (api.dingtalk.com), so it cannot
 *   follow `dingtalk.apiBaseUrl` (the emulator, a proxy) without overriding
 *   internals;
 * - it reconnects at a fixed 1 s interval (no backoff, no jitter: every
 *   replica hammers the gateway in step during an outage), and writes to
 *   console.* instead of Backstage's logger.
 * The protocol itself is small (ticket, WebSocket, JSON frames, ACK by
 * messageId), so a client on `ws` (what the SDK uses too) is the smaller risk.
 */

export interface DingtalkStreamClientOptions {
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  onFrame: StreamFrameHandler;
  logger: LoggerService;
  /** Reconnect delays grow from initialMs, doubling up to maxMs, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** WebSocket-level ping to find half-open TCP connections the gateway's own pings would not reveal to us. */
  keepAliveMs?: number;
  /** How long stop() waits for frames being processed so that their ACKs still go out. */
  drainTimeoutMs?: number;
  random?: () => number;
}

const sleep = (ms: number) =>
  new Promise<void>(r => setTimeout(r, ms).unref?.());

/**
 * One Stream-mode connection of one DingTalk app, kept open until stop():
 * gets a ticket, connects, answers SYSTEM pings, follows SYSTEM disconnect
 * to a new connection, reconnects after any drop with exponential backoff
 * and jitter, and answers each EVENT/CALLBACK frame only after its handler
 * has finished (see encodeAnswer for what a failure is answered with).
 */
export class DingtalkStreamClient {
  private socket?: WebSocket;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private connecting?: Promise<void>;
  /** Frames being processed, per socket (their ACK goes back on that socket). */
  private readonly inFlight = new Map<WebSocket, Set<Promise<unknown>>>();
  /** The processing of a frame, by messageId: a re-delivery waits for it and reuses its answer. */
  private readonly processing = new Map<string, Promise<FrameAnswer>>();
  /** Recent answers, so that a frame re-delivered after a drop is ACKed again without running twice. */
  private readonly answered = new Map<string, FrameAnswer>();
  private readonly draining = new WeakSet<WebSocket>();

  constructor(private readonly opts: DingtalkStreamClientOptions) {}

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connectNow();
  }

  /** Closes the connection after the frames in hand are processed and ACKed (or drainTimeoutMs passed). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting?.catch(() => undefined);
    const sockets = [
      ...this.inFlight.keys(),
      ...(this.socket ? [this.socket] : []),
    ];
    this.socket = undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight.values()].flatMap(s => [...s])),
      sleep(this.opts.drainTimeoutMs ?? 5000),
    ]);
    await Promise.all([...new Set(sockets)].map(ws => closeSocket(ws)));
  }

  private connectNow() {
    if (this.stopped || this.connecting) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    const { initialMs, maxMs } = this.opts.backoff ?? {
      initialMs: 500,
      maxMs: 30_000,
    };
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt, 20));
    // "equal jitter": at least half the step, so replicas neither hammer nor align
    const delay = cap / 2 + (this.opts.random ?? Math.random)() * (cap / 2);
    this.attempt += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectNow(), delay);
    this.reconnectTimer.unref?.();
  }

  private async connect(): Promise<void> {
    let ws: WebSocket;
    try {
      const { endpoint, ticket } = await this.openTicket();
      const url = new URL(endpoint);
      url.searchParams.set('ticket', ticket);
      // Never log this URL: the ticket is a credential.
      ws = new WebSocket(url.toString());
      // Listen before 'open' resolves: the gateway sends queued frames at
      // once, and they can arrive in the same chunk as the upgrade answer.
      ws.on('message', raw => this.onMessage(ws, raw.toString()));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) =>
          reject(
            new Error(
              `the gateway refused the connection (HTTP ${res.statusCode})`,
            ),
          ),
        );
      });
    } catch (e) {
      this.opts.logger.warn(
        `DingTalk stream connection for ${this.opts.clientId} failed: ${
          (e as Error).message
        }`,
      );
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      ws.close();
      return;
    }
    this.attempt = 0;
    this.socket = ws;
    if (!this.inFlight.has(ws)) this.inFlight.set(ws, new Set());
    this.opts.logger.info(
      `DingTalk stream connected for ${this.opts.clientId}`,
    );
    let alive = true;
    const keepAlive = setInterval(() => {
      if (!alive) {
        this.opts.logger.warn(
          `DingTalk stream for ${this.opts.clientId} stopped answering pings; reconnecting`,
        );
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, this.opts.keepAliveMs ?? 15_000);
    keepAlive.unref?.();
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', () => {
      alive = true;
    });
    ws.on('error', e =>
      this.opts.logger.warn(
        `DingTalk stream error for ${this.opts.clientId}: ${e.message}`,
      ),
    );
    ws.on('close', () => {
      clearInterval(keepAlive);
      if (!this.inFlight.get(ws)?.size) this.inFlight.delete(ws);
      if (this.socket !== ws) return; // replaced after a SYSTEM disconnect, or stopped
      this.socket = undefined;
      if (!this.stopped) {
        this.opts.logger.info(
          `DingTalk stream for ${this.opts.clientId} closed; reconnecting`,
        );
        this.scheduleReconnect();
      }
    });
  }

  private async openTicket(): Promise<{ endpoint: string; ticket: string }> {
    const res = await fetch(
      `${this.opts.apiBaseUrl.replace(
        /\/$/,
        '',
      )}/v1.0/gateway/connections/open`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({
          clientId: this.opts.clientId,
          clientSecret: this.opts.clientSecret,
          subscriptions: [
            { type: 'EVENT', topic: '*' },
            { type: 'CALLBACK', topic: CARD_CALLBACK_TOPIC },
            { type: 'CALLBACK', topic: ROBOT_MESSAGE_TOPIC },
          ],
          ua: 'backstage-plugin-dingtalk',
        }),
        signal: AbortSignal.timeout(15_000),
      },
    );
    const body: any = await res.json().catch(() => undefined);
    if (
      !res.ok ||
      typeof body?.endpoint !== 'string' ||
      typeof body?.ticket !== 'string'
    ) {
      // DingTalk's error body has code and message, never the secret we sent
      throw new Error(
        `no stream ticket (HTTP ${res.status}${
          body?.code ? ` ${body.code}` : ''
        }${body?.message ? `: ${body.message}` : ''})`,
      );
    }
    return { endpoint: body.endpoint, ticket: body.ticket };
  }

  private onMessage(ws: WebSocket, raw: string) {
    let frame: StreamFrame;
    try {
      frame = frameSchema.parse(JSON.parse(raw)) as StreamFrame;
    } catch {
      this.opts.logger.warn(
        `Ignored a malformed DingTalk stream frame for ${this.opts.clientId}`,
      );
      return;
    }
    if (frame.type === 'SYSTEM') {
      this.onSystem(ws, frame);
      return;
    }
    this.onDelivery(ws, frame);
  }

  private onSystem(ws: WebSocket, frame: StreamFrame) {
    switch (frame.headers.topic) {
      case 'ping':
        send(ws, pongFor(frame));
        return;
      case 'disconnect':
        // The gateway is about to close this connection (e.g. a deploy) and
        // sends nothing new on it: connect again now, and close this one as
        // soon as the frames it brought are ACKed.
        this.opts.logger.info(
          `DingTalk stream for ${this.opts.clientId}: the gateway asked to reconnect`,
        );
        this.draining.add(ws);
        if (this.socket === ws) this.socket = undefined;
        this.attempt = 0;
        this.connectNow();
        if (!this.inFlight.get(ws)?.size) void closeSocket(ws);
        return;
      default:
        this.opts.logger.debug(
          `DingTalk stream SYSTEM frame ${frame.headers.topic} for ${this.opts.clientId}`,
        );
    }
  }

  private onDelivery(ws: WebSocket, frame: StreamFrame) {
    const id = frame.headers.messageId;
    const answer = (a: FrameAnswer) => send(ws, encodeAnswer(frame, a));
    const known = this.answered.get(id);
    if (known) {
      answer(known);
      return;
    }
    // Re-delivered while the first delivery is still being processed (the
    // connection dropped meanwhile): wait for that one rather than run twice.
    const run =
      this.processing.get(id) ??
      this.opts
        .onFrame(frame)
        .then((data): FrameAnswer => ({ kind: 'done', data }), failureAnswer);
    this.processing.set(id, run);
    const held = this.inFlight.get(ws) ?? new Set();
    this.inFlight.set(ws, held);
    const tracked = run.then(a => {
      const what = `DingTalk stream ${frame.type} ${
        frame.headers.eventType ?? frame.headers.topic ?? ''
      } for ${this.opts.clientId}`;
      if (a.kind === 'refused')
        // would fail the same way again: answered, never pushed again
        this.opts.logger.warn(`${what} refused: ${a.message}`);
      if (a.kind === 'failed')
        // Not processed (the database is down, a dependency failed): an
        // event is answered LATER (the SDK's EventAck.LATER), so that the
        // gateway pushes it again soon instead of waiting out its ACK
        // timeout; a callback gets an error response (someone is waiting
        // for it). Nothing is remembered, so a re-push runs again.
        this.opts.logger.warn(
          `${what} failed; answered ${
            frame.type === 'EVENT' ? 'LATER' : 'with an error'
          }: ${a.reason}`,
        );
      else this.remember(id, a);
      // a closed connection loses the answer; the gateway re-delivers and the answer is reused
      answer(a);
    });
    held.add(tracked);
    void tracked.finally(() => {
      if (this.processing.get(id) === run) this.processing.delete(id);
      held.delete(tracked);
      if (held.size === 0 && this.draining.has(ws)) void closeSocket(ws);
      if (held.size === 0 && ws.readyState !== WebSocket.OPEN)
        this.inFlight.delete(ws);
    });
  }

  private remember(id: string, a: FrameAnswer) {
    this.answered.set(id, a);
    if (this.answered.size > 1000)
      this.answered.delete(this.answered.keys().next().value as string);
  }
}
