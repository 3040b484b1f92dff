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

// The Stream gateway: the app opens a connection with a ticket from
// /v1.0/gateway/connections/open (saying which topics it subscribes to),
// then receives EVENT, CALLBACK and SYSTEM frames over a WebSocket and ACKs
// each by its messageId. Only subscribed topics are pushed to a connection.
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { EmulatorContext } from '../context';
import { newId, newStyleError } from '../errors';
import type { EmuApp } from '../state';
import type { PushResult } from '../types';
import {
  Frame,
  FrameOutcome,
  StreamQueue,
  Subscription,
  subscribed,
} from './streamQueue';

const TICKET_TTL_MS = 90_000;

export class StreamGateway {
  private readonly streams = new Map<string, Set<WebSocket>>();
  // what each connection subscribed to when its ticket was opened
  private readonly subscriptions = new WeakMap<WebSocket, Subscription[]>();
  // connections told to disconnect: the gateway sends them nothing new
  private readonly draining = new WeakSet<WebSocket>();
  // SYSTEM frames (ping) waiting for their answer, by messageId
  private readonly systemReplies = new Map<string, () => void>();
  // un-ACKed frames per app, re-pushed until ACKed or expired
  private readonly queue: StreamQueue;
  private readonly tickets = new Map<
    string,
    { appKey: string; expiresAt: number; subscriptions: Subscription[] }
  >();
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly ctx: EmulatorContext) {
    this.queue = new StreamQueue(ctx, (appKey, frame) =>
      [...(this.streams.get(appKey) ?? [])].filter(
        ws =>
          ws.readyState === WebSocket.OPEN &&
          !this.draining.has(ws) &&
          subscribed(this.subscriptions.get(ws) ?? [], frame),
      ),
    );
    ctx.app.post('/v1.0/gateway/connections/open', (req, res) => {
      const { clientId, clientSecret, subscriptions } = req.body ?? {};
      const app = clientId ? ctx.state.apps.get(clientId) : undefined;
      if (!app || app.appSecret !== clientSecret) {
        res
          .status(401)
          .json(
            newStyleError(
              'InvalidAuthentication',
              '无效的clientId或者clientSecret',
            ),
          );
        return;
      }
      const subs = parseSubscriptions(subscriptions);
      if (!subs) {
        res
          .status(400)
          .json(
            newStyleError(
              'InvalidParameter',
              'subscriptions must be an array of { type, topic }',
            ),
          );
        return;
      }
      // A ticket is good for one connection within 90 s; the ones never
      // used go when they expire, or every retrying client would grow this.
      for (const [key, t] of this.tickets)
        if (t.expiresAt <= ctx.now()) this.tickets.delete(key);
      const ticket = crypto.randomBytes(16).toString('hex');
      this.tickets.set(ticket, {
        appKey: app.appKey,
        expiresAt: ctx.now() + TICKET_TTL_MS,
        subscriptions: subs,
      });
      res.json({
        endpoint: `${ctx.baseUrl.replace(/^http/, 'ws')}/connect`,
        ticket,
      });
    });
    this.wss.on(
      'connection',
      (ws: WebSocket, appKey: string, subs: Subscription[]) =>
        this.onConnection(ws, appKey, subs),
    );
    ctx.onReset(() => this.queue.clear());
  }

  /** The HTTP server's `upgrade`: only `/connect` with a valid ticket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = url.searchParams.get('ticket') ?? '';
    const ticket = this.tickets.get(key);
    if (
      url.pathname !== '/connect' ||
      !ticket ||
      ticket.expiresAt <= this.ctx.now()
    ) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
      return;
    }
    this.tickets.delete(key);
    this.wss.handleUpgrade(req, socket, head, ws =>
      this.wss.emit('connection', ws, ticket.appKey, ticket.subscriptions),
    );
  }

  /** Pushes an event as an EVENT frame; delivered once the app ACKs it. */
  async pushEvent(
    app: EmuApp,
    event: Record<string, unknown>,
  ): Promise<PushResult> {
    const { EventType, ...data } = event;
    const now = String(this.ctx.now());
    const frame: Frame = {
      specVersion: '1.0',
      type: 'EVENT',
      headers: {
        appId: app.appKey,
        connectionId: 'emulator',
        contentType: 'application/json',
        eventBornTime: now,
        eventCorpId: app.corpId,
        eventId: newId('evt'),
        eventType: String(EventType),
        eventUnifiedAppId: app.appKey,
        messageId: newId('msg'),
        time: now,
        topic: '*',
      },
      data: JSON.stringify(data),
    };
    const connected = (this.streams.get(app.appKey)?.size ?? 0) > 0;
    const outcome = await this.within(this.queue.send(app.appKey, frame));
    const delivered = outcome?.acked === true;
    return {
      delivered,
      attempts:
        outcome?.deliveries ??
        this.queue.deliveries(app.appKey, frame.headers.messageId),
      transport: 'stream',
      error: streamError(outcome, connected),
    };
  }

  /**
   * Sends a CALLBACK frame on `topic` and waits for the app's answer (its
   * data, parsed) when it answered with code 200; undefined otherwise.
   */
  async callback(app: EmuApp, topic: string, body: unknown): Promise<any> {
    const answer = await this.callbackAnswer(app, topic, body);
    return answer?.code === 200 ? answer.data : undefined;
  }

  /**
   * Sends a CALLBACK frame on `topic`, once, and resolves to the app's
   * answer (code, message, data parsed), or undefined when none came within
   * pushTimeoutMs (the frame is dropped then, as DingTalk times out a
   * callback; it is never pushed again).
   */
  async callbackAnswer(
    app: EmuApp,
    topic: string,
    body: unknown,
  ): Promise<{ code: number; message?: string; data: any } | undefined> {
    const frame: Frame = {
      specVersion: '1.0',
      type: 'CALLBACK',
      headers: {
        appId: app.appKey,
        contentType: 'application/json',
        messageId: newId('msg'),
        time: String(this.ctx.now()),
        topic,
      },
      data: JSON.stringify(body),
    };
    const outcome = await this.within(this.queue.send(app.appKey, frame));
    return outcome?.acked
      ? { code: outcome.code, message: outcome.message, data: outcome.data }
      : undefined;
  }

  /**
   * Drops the app's connections: `graceful` sends the SYSTEM `disconnect`
   * frame first and closes after the grace period.
   */
  disconnect({ appKey, graceful }: { appKey?: string; graceful?: boolean }) {
    const graceMs = this.ctx.options.streamDisconnectGraceMs ?? 1000;
    let n = 0;
    for (const ws of this.sockets(appKey)) {
      n += 1;
      if (!graceful) {
        ws.terminate();
        continue;
      }
      this.draining.add(ws);
      ws.send(
        JSON.stringify(
          this.systemFrame('disconnect', { reason: 'gateway maintenance' }),
        ),
      );
      setTimeout(() => ws.terminate(), graceMs).unref?.();
    }
    return n;
  }

  /** Sends the SYSTEM `ping` to each connection; resolves to how many answered. */
  async ping({ appKey }: { appKey?: string }): Promise<number> {
    const answers: Promise<boolean>[] = [];
    for (const ws of this.sockets(appKey)) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const frame = this.systemFrame('ping', {
        opaque: crypto.randomBytes(8).toString('hex'),
      });
      answers.push(
        new Promise<boolean>(resolve => {
          const timer = setTimeout(() => {
            this.systemReplies.delete(frame.headers.messageId);
            resolve(false);
          }, this.ctx.pushTimeoutMs);
          this.systemReplies.set(frame.headers.messageId, () => {
            clearTimeout(timer);
            resolve(true);
          });
          ws.send(JSON.stringify(frame));
        }),
      );
    }
    return (await Promise.all(answers)).filter(Boolean).length;
  }

  /** Tickets handed out and not used yet (all apps, or one app's). */
  unusedTickets({ appKey }: { appKey?: string }): number {
    return [...this.tickets.values()].filter(
      t => !appKey || t.appKey === appKey,
    ).length;
  }

  /** Open connections (all apps, or one app's). */
  connections({ appKey }: { appKey?: string }): number {
    return [...this.sockets(appKey)].filter(
      ws => ws.readyState === WebSocket.OPEN,
    ).length;
  }

  close() {
    this.queue.clear();
    for (const ws of this.sockets()) ws.terminate();
    this.wss.close();
  }

  private *sockets(appKey?: string) {
    for (const [key, set] of this.streams) {
      if (appKey && key !== appKey) continue;
      yield* set;
    }
  }

  /** The outcome, or undefined when it takes longer than pushTimeoutMs. */
  private within(outcome: Promise<FrameOutcome>) {
    return Promise.race([
      outcome,
      new Promise<undefined>(r =>
        setTimeout(() => r(undefined), this.ctx.pushTimeoutMs).unref(),
      ),
    ]);
  }

  private onConnection(ws: WebSocket, appKey: string, subs: Subscription[]) {
    const set = this.streams.get(appKey) ?? new Set();
    set.add(ws);
    this.streams.set(appKey, set);
    this.subscriptions.set(ws, subs);
    ws.on('message', raw => this.onMessage(appKey, raw.toString()));
    ws.on('close', () => {
      set.delete(ws);
      this.queue.disconnected(appKey, ws);
    });
    // push what waited for a connection (or was un-ACKed on the last one)
    this.queue.connected(appKey);
  }

  private onMessage(appKey: string, raw: string) {
    let msg: any;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    const messageId = msg?.headers?.messageId;
    const systemReply = messageId
      ? this.systemReplies.get(messageId)
      : undefined;
    if (systemReply && Number(msg.code) === 200) {
      this.systemReplies.delete(messageId);
      systemReply();
      return;
    }
    this.queue.ack(appKey, msg);
  }

  private systemFrame(topic: 'ping' | 'disconnect', data: object): Frame {
    return {
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: {
        contentType: 'application/json',
        messageId: newId('msg'),
        time: String(this.ctx.now()),
        topic,
      },
      data: JSON.stringify(data),
    };
  }
}

function streamError(
  outcome: FrameOutcome | undefined,
  connected: boolean,
): string | undefined {
  if (outcome?.acked) return undefined;
  if (outcome) return `expired after ${outcome.deliveries} deliveries`;
  return connected ? 'not acknowledged yet' : 'no stream connection; queued';
}

/** `subscriptions` of connections/open; undefined when malformed. */
function parseSubscriptions(raw: unknown): Subscription[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const subs: Subscription[] = [];
  for (const s of raw) {
    if (typeof s?.type !== 'string' || typeof s?.topic !== 'string')
      return undefined;
    subs.push({ type: s.type, topic: s.topic });
  }
  return subs;
}
