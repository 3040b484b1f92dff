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
 * Runs tasks one at a time, in the order they were queued. Full syncs and
 * address-book deltas share one queue: a delta that arrives while a full
 * read is under way waits for the full mutation and is applied after it,
 * so a person who left during the read is removed rather than brought back
 * by the read's older picture.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after everything queued before it, whether that failed or not. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    // A failure belongs to its caller; the next task starts regardless.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
