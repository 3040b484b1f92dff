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
import { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import WebSocket from 'ws';

/**
 * A browser's signals connection, over a real websocket to the signals
 * backend: subscribes to one channel and collects what arrives.
 */
export class SignalsSubscriber {
  readonly messages: Array<{ message: any; at: number }> = [];
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', data => {
      const parsed = JSON.parse(data.toString());
      this.messages.push({ message: parsed.message, at: Date.now() });
    });
  }

  /**
   * The signals backend starts handling websocket upgrades after the first
   * upgrade request reaches its router, so the first attempt may go
   * unanswered, as the browser's first attempt does; retry like the
   * browser's client does.
   */
  static async connect(
    server: Server,
    channel: string,
    token: string,
  ): Promise<SignalsSubscriber> {
    const { port } = server.address() as AddressInfo;
    const url = `ws://127.0.0.1:${port}/api/signals`;
    for (let attempt = 0; ; attempt++) {
      try {
        const ws = await new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url, token, { handshakeTimeout: 1000 });
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
          socket.once('unexpected-response', () =>
            reject(new Error('upgrade refused')),
          );
        });
        const subscriber = new SignalsSubscriber(ws);
        ws.send(JSON.stringify({ action: 'subscribe', channel }));
        // The backend does not confirm a subscription; give it a moment to
        // read the message before the test changes anything.
        await new Promise(r => setTimeout(r, 200));
        return subscriber;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise(r => setTimeout(r, 100));
      }
    }
  }

  /** Waits for a message matching `predicate`; returns it with its arrival time. */
  async waitFor(
    predicate: (message: any) => boolean,
    timeoutMs = 10_000,
  ): Promise<{ message: any; at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(m => predicate(m.message));
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `No matching signal within ${timeoutMs} ms; got ${JSON.stringify(
            this.messages.map(m => m.message),
          )}`,
        );
      }
      await new Promise(r => setTimeout(r, 20));
    }
  }

  /** Waits until no message has arrived for `ms` (a burst has settled). */
  async quiet(ms: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = this.messages[this.messages.length - 1]?.at ?? 0;
      if (Date.now() - last >= ms) return;
      if (Date.now() > deadline) throw new Error('Signals never settled');
      await new Promise(r => setTimeout(r, 20));
    }
  }

  close() {
    this.#ws.close();
  }
}
