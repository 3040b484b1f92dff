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

// The Stream protocol's frames and the answers we send back, kept apart
// from the connection handling in DingtalkStreamClient.
import { isError } from '@backstage/errors';
import WebSocket from 'ws';
import { z } from 'zod';

/** A frame from DingTalk's stream gateway. */
export interface StreamFrame {
  specVersion?: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

export const frameSchema = z.object({
  specVersion: z.string().optional(),
  type: z.enum(['SYSTEM', 'EVENT', 'CALLBACK']),
  headers: z
    .record(z.coerce.string())
    .refine(
      h => typeof h.messageId === 'string' && h.messageId.length > 0,
      'headers.messageId is required',
    ),
  data: z.string().default(''),
});

/**
 * Processes a frame; what it resolves to is sent back as the answer's data.
 * A rejection is answered by {@link encodeAnswer}: refused for a 4xx-class
 * error (never re-pushed), "not processed" otherwise.
 */
export type StreamFrameHandler = (frame: StreamFrame) => Promise<unknown>;

export const CARD_CALLBACK_TOPIC = '/v1.0/card/instances/callback';
/** Robot messages (the SDK's TOPIC_ROBOT), handled by RobotMessages. */
export const ROBOT_MESSAGE_TOPIC = '/v1.0/im/bot/messages/get';

/** How a frame's processing ended, as far as the gateway must know. */
export type FrameAnswer =
  | { kind: 'done'; data: unknown }
  /** Can never be processed (bad input, unknown card, not allowed). */
  | { kind: 'refused'; message: string }
  /**
   * Could not be processed now (database down, a dependency failed); the
   * reason is for our log only, never sent.
   */
  | { kind: 'failed'; reason: string };

// @backstage/errors classes that the HTTP error handler answers with a 4xx:
// the same frame would fail the same way on every re-push.
const REFUSALS = new Set([
  'InputError',
  'AuthenticationError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
  'NotModifiedError',
  'ZodError',
  'SyntaxError', // malformed JSON in the frame's data
]);

/** The answer to a handler's rejection. */
export function failureAnswer(e: unknown): FrameAnswer {
  return isError(e) && REFUSALS.has(e.name)
    ? { kind: 'refused', message: e.message }
    : { kind: 'failed', reason: isError(e) ? e.message : String(e) };
}

/**
 * The message that answers a frame, in the official SDKs' shapes.
 *
 * EVENT frames are always ACKed with code 200 and an EventAck in data
 * (`dingtalk-stream`'s EventAck: SUCCESS or LATER); LATER makes the gateway
 * push the frame again later. A refused event is ACKed SUCCESS: pushing it
 * again cannot help.
 *
 * CALLBACK frames (a card click, a robot message) have no LATER: the answer
 * is the callback's response, relayed to the person waiting for it. A
 * failure answers with the code of the Python SDK's AckMessage
 * (STATUS_BAD_REQUEST 400 when refused, STATUS_SYSTEM_EXCEPTION 500 when not
 * processed) and the reason in `message`, so that the click fails at once
 * instead of being re-run after the clicker saw a failure.
 */
export function encodeAnswer(frame: StreamFrame, answer: FrameAnswer): object {
  const headers = {
    contentType: 'application/json',
    messageId: frame.headers.messageId,
  };
  if (answer.kind === 'done') {
    return {
      code: 200,
      headers,
      message: 'OK',
      data: JSON.stringify(answer.data ?? {}),
    };
  }
  if (frame.type === 'EVENT') {
    const ack =
      answer.kind === 'refused'
        ? { status: 'SUCCESS', message: `refused: ${answer.message}` }
        : { status: 'LATER', message: 'not processed; retry later' };
    return { code: 200, headers, message: 'OK', data: JSON.stringify(ack) };
  }
  return answer.kind === 'refused'
    ? { code: 400, headers, message: answer.message, data: '{}' }
    : // never the error itself: it may name internals (SQL, hosts)
      { code: 500, headers, message: 'not processed; try again', data: '{}' };
}

/** The answer to a SYSTEM ping: its headers and data echoed. */
export function pongFor(frame: StreamFrame): object {
  return { code: 200, headers: frame.headers, message: 'OK', data: frame.data };
}

export function send(ws: WebSocket, message: object) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

export async function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000);
    timer.unref?.();
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState !== WebSocket.CLOSING) ws.close();
  });
}
