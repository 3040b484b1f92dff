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

// Fault injection: tests and the simulator make chosen calls slow, fail,
// time out or hit a limit, to prove that the clients recover.
import type { Request } from 'express';
import { ApiError, invalidTokenError, qpsError, quotaError } from './errors';
import type { Fault } from './types';

/**
 * What the route does after the faults: nothing special (undefined), stop
 * (`handled`: the fault answered or cut the request), or run the call and
 * then cut the connection instead of answering.
 */
export type FaultEffect = undefined | 'handled' | { loseAnswerAfterMs: number };

export class Faults {
  private faults: Array<Fault & { remaining?: number }> = [];
  /** Requests a `timeout` fault holds, with the timer that cuts each. */
  private readonly held = new Map<Request, NodeJS.Timeout>();

  inject(fault: Fault) {
    this.faults.push({ ...fault, remaining: fault.count });
  }

  /**
   * Removes the faults and cuts the requests a `timeout` fault still holds
   * (their answer is lost either way), so that no timer outlives a test.
   */
  clear() {
    this.faults = [];
    for (const [req, timer] of this.held) {
      clearTimeout(timer);
      req.socket.destroy();
    }
    this.held.clear();
  }

  /**
   * Applies the faults that match this call of `api`, before the API runs.
   * Resolves to `handled` when the fault has already answered (or cut) the
   * request, to `{ loseAnswerAfterMs }` when the call must run but its
   * answer be lost; throws the error a fault answers with.
   */
  async apply(api: string, req: Request): Promise<FaultEffect> {
    let effect: FaultEffect;
    for (const fault of this.faults) {
      if (!this.hits(fault, api)) continue;
      switch (fault.kind) {
        case 'latency':
          await new Promise(r => setTimeout(r, fault.ms ?? 500));
          break;
        case 'drop':
          req.socket.destroy();
          return 'handled';
        case 'timeout': {
          const cut = () => {
            clearTimeout(this.held.get(req));
            this.held.delete(req);
            req.socket.destroy();
          };
          const timer = setTimeout(cut, fault.ms ?? 30_000);
          timer.unref();
          this.held.set(req, timer);
          // the client gave up first: nothing left to hold
          req.socket.once('close', cut);
          return 'handled';
        }
        case '5xx':
          throw new ApiError(503, 'ServiceUnavailable', '系统繁忙', -1);
        case 'flowControl':
          throw qpsError();
        case 'quota':
          throw quotaError();
        case 'invalidToken':
          // DingTalk stopped accepting a token before its expiry (secret
          // reset, app re-authorised): answered as for an unknown token.
          throw invalidTokenError();
        case 'appliedTimeout':
          effect = { loseAnswerAfterMs: fault.ms ?? 30_000 };
          break;
        default:
          break;
      }
    }
    return effect;
  }

  private hits(fault: Fault & { remaining?: number }, api: string) {
    if (fault.api !== '*' && fault.api !== api) return false;
    if (fault.remaining !== undefined) {
      if (fault.remaining <= 0) return false;
      fault.remaining -= 1;
      return true;
    }
    return Math.random() < (fault.share ?? 1);
  }
}
