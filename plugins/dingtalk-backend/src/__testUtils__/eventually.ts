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

/**
 * Retries `check` until it stops throwing, then returns its result; rethrows
 * its last error after `ms`. The backend applies pushes, leases and
 * registrations in the background, so tests wait for the outcome instead of
 * sleeping a guessed time. Each caller keeps the timeout and poll interval it
 * had before this was shared.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 10_000,
  pollMs = 25,
): Promise<T> {
  const began = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() - began > ms) throw e;
      await new Promise(r => setTimeout(r, pollMs));
    }
  }
}
