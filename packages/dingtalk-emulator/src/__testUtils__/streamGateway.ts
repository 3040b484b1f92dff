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

import WebSocket from 'ws';
import type { EmulatorHandle } from '..';

/** What a Stream-mode client identifies itself with at the gateway. */
export interface StreamAppCredentials {
  appKey: string;
  appSecret: string;
}

/**
 * Asks the gateway for a connection ticket, as every Stream SDK does first.
 * Returns the raw response: some tests check refusals, others read the
 * endpoint and ticket from it.
 */
export function openStreamTicket(
  emu: EmulatorHandle,
  app: StreamAppCredentials,
  subscriptions: unknown,
): Promise<Response> {
  return fetch(`${emu.baseUrl}/v1.0/gateway/connections/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId: app.appKey,
      clientSecret: app.appSecret,
      subscriptions,
    }),
  });
}

/** The gateway URL to open the WebSocket at, ticket included. */
export async function streamEndpoint(
  emu: EmulatorHandle,
  app: StreamAppCredentials,
  subscriptions: unknown,
): Promise<string> {
  const res = await openStreamTicket(emu, app, subscriptions);
  const { endpoint, ticket } = (await res.json()) as any;
  return `${endpoint}?ticket=${ticket}`;
}

/**
 * A bare gateway client: records frames in arrival order and ACKs only when
 * told to, so that tests can drop, delay or refuse an ACK, which the
 * official SDK never does.
 */
export async function rawStreamConnection(
  emu: EmulatorHandle,
  app: StreamAppCredentials,
  subscriptions: object[],
) {
  const ws = new WebSocket(await streamEndpoint(emu, app, subscriptions));
  const frames: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', raw => {
    frames.push(JSON.parse(raw.toString()));
    waiters.splice(0).forEach(w => w());
  });
  const closed = new Promise<void>(r => ws.on('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  /** The count-th frame (1-based), once it arrived. */
  const next = async (count: number) => {
    while (frames.length < count) await new Promise<void>(r => waiters.push(r));
    return frames[count - 1];
  };
  /** A success ACK of `frame`, with `data` as its body. */
  const ack = (frame: any, data: object = {}) =>
    ws.send(
      JSON.stringify({
        code: 200,
        headers: {
          contentType: 'application/json',
          messageId: frame.headers.messageId,
        },
        message: 'OK',
        data: JSON.stringify(data),
      }),
    );
  return { ws, frames, next, ack, closed };
}
