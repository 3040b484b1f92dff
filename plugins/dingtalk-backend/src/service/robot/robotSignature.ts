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

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How far a robot message's `timestamp` may be from our clock. DingTalk's
 * "receive messages" page: a timestamp more than one hour from the current
 * time makes the request invalid.
 */
export const ROBOT_MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;

export const ROBOT_TIMESTAMP_HEADER = 'timestamp';
export const ROBOT_SIGN_HEADER = 'sign';

/**
 * The `sign` header DingTalk puts on a robot message over HTTP:
 * base64(HMAC-SHA256(appSecret, timestamp + "\n" + appSecret)).
 */
export function robotSign(appSecret: string, timestamp: string): string {
  return createHmac('sha256', appSecret)
    .update(`${timestamp}\n${appSecret}`, 'utf8')
    .digest('base64');
}

/**
 * Checks a robot message's headers; answers why it is refused, or nothing.
 * The comparison is in constant time: both sides are hashed to the same
 * length first, so neither the content nor the length of a guess leaks.
 */
export function robotSignatureProblem(
  appSecret: string,
  headers: { timestamp?: string; sign?: string },
  now: number,
): string | undefined {
  const { timestamp, sign } = headers;
  if (!timestamp || !sign) return 'the timestamp and sign headers are missing';
  if (!/^\d{10,13}$/.test(timestamp)) return 'the timestamp is not a Unix time';
  const expected = createHash('sha256')
    .update(robotSign(appSecret, timestamp))
    .digest();
  const given = createHash('sha256').update(sign).digest();
  if (!timingSafeEqual(expected, given)) return 'the sign does not match';
  const ms =
    timestamp.length <= 10 ? Number(timestamp) * 1000 : Number(timestamp);
  if (Math.abs(now - ms) > ROBOT_MAX_CLOCK_SKEW_MS) {
    return 'the timestamp is more than an hour off: refused as a possible replay';
  }
  return undefined;
}
