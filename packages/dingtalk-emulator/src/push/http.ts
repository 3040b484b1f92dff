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

// Event push over HTTP: DingTalk POSTs the encrypted, signed event to the
// app's subscription URL and retries until the app answers the encrypted
// "success".
import crypto from 'node:crypto';
import { decryptFrom, encryptFor, signature } from '../crypto';
import type { EmulatorContext } from '../context';
import type { EmuApp, PushAttempt } from '../state';
import type { PushResult } from '../types';

export async function pushHttp(
  ctx: EmulatorContext,
  app: EmuApp,
  event: Record<string, unknown>,
): Promise<PushResult> {
  const eventType = String(event.EventType);
  if (!app.eventUrl) {
    return {
      delivered: false,
      attempts: 0,
      transport: 'http',
      error: 'no event subscription URL',
    };
  }
  const retryDelays = ctx.options.pushRetryDelaysMs ?? [200, 1000, 3000];
  const payload = JSON.stringify(event);
  let attempts = 0;
  let lastError = '';
  for (const delay of [0, ...retryDelays]) {
    if (delay) await new Promise(r => setTimeout(r, delay));
    attempts += 1;
    const encrypt = encryptFor(app.aesKey, app.appKey, payload);
    const timestamp = String(ctx.now());
    const nonce = crypto.randomBytes(4).toString('hex');
    const sig = signature(app.token, timestamp, nonce, encrypt);
    const url = new URL(app.eventUrl);
    url.searchParams.set('signature', sig);
    url.searchParams.set('msg_signature', sig);
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    const entry: PushAttempt = {
      appKey: app.appKey,
      eventType,
      url: app.eventUrl,
      attempt: attempts,
      ok: false,
      at: ctx.now(),
    };
    ctx.state.pushLog.push(entry);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ encrypt }),
        signal: AbortSignal.timeout(ctx.pushTimeoutMs),
      });
      entry.status = res.status;
      const reply: any = await res.json().catch(() => undefined);
      if (res.status === 200 && isSuccessReply(app, reply)) {
        entry.ok = true;
        return { delivered: true, attempts, transport: 'http' };
      }
      lastError = `answer ${res.status} was not the encrypted "success"`;
    } catch (e) {
      lastError = String((e as Error).message ?? e);
    }
    entry.error = lastError;
    ctx.log(
      `push ${eventType} to ${app.eventUrl} failed (attempt ${attempts}): ${lastError}`,
    );
  }
  return { delivered: false, attempts, transport: 'http', error: lastError };
}

/** The app's answer is "success", encrypted for this app and signed. */
function isSuccessReply(app: EmuApp, reply: any): boolean {
  if (!reply || typeof reply.encrypt !== 'string') return false;
  const signed =
    signature(
      app.token,
      String(reply.timeStamp),
      String(reply.nonce),
      reply.encrypt,
    ) === reply.msg_signature;
  const plain = decryptFrom(app.aesKey, reply.encrypt);
  return (
    signed && plain?.message === 'success' && plain?.receiverId === app.appKey
  );
}
