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

// The state and helpers every surface of the emulator shares. A surface
// (src/surfaces/*.ts) registers its routes on `ctx.app` through `newApi` /
// `oldApi`, which apply faults, check the token and the limits and answer
// errors in the shape of the API's host.
import express, { Request, Response } from 'express';
import {
  ApiError,
  GATEWAY_SUB_CODES,
  invalidTokenError,
  newId,
  newStyleError,
} from './errors';
import { FaultEffect, Faults } from './faults';
import { Limits } from './limits';
import { pushHttp } from './push/http';
import type { StreamGateway } from './push/stream';
import { EmuApp, EmuGroup, EmulatorState, emptyState } from './state';
import type { EmulatorControl, EmulatorOptions, PushResult } from './types';

export const TOKEN_TTL_S = 7200;

/** A route's work once the call is admitted; its result is the answer body. */
export type ApiHandler = (req: Request, app: EmuApp) => any;

export class EmulatorContext {
  /** Everything the emulated DingTalk holds; `reset()` replaces it, so read it through `ctx.state` each time. */
  state: EmulatorState = emptyState();
  /** Set once the server listens. */
  baseUrl = '';
  readonly app = express();
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** How long a push (HTTP event, stream frame, card callback) may take. */
  readonly pushTimeoutMs: number;
  /** The whole control API, filled in by createEmulator from every surface. */
  readonly control = {} as EmulatorControl;
  readonly limits: Limits;
  readonly faults = new Faults();
  /** Set by createEmulator right after the context is made. */
  stream!: StreamGateway;
  private readonly resetHooks: Array<() => void> = [];

  constructor(readonly options: EmulatorOptions) {
    this.now = options.now ?? (() => Date.now());
    this.log = options.log ?? (() => {});
    this.pushTimeoutMs = options.pushTimeoutMs ?? 5000;
    this.limits = new Limits(this);
  }

  appOf(appKey: string): EmuApp {
    const app = this.state.apps.get(appKey);
    if (!app) throw new ApiError(404, 'app.not.found', `unknown app ${appKey}`);
    return app;
  }

  groupOf(cid: string): EmuGroup {
    const group = this.state.groups.get(cid);
    if (!group) {
      throw new ApiError(
        400,
        'resource.not.found',
        `群会话不存在: ${cid}`,
        4000003,
      );
    }
    return group;
  }

  /** The app an app access token belongs to (user tokens are refused). */
  appForToken(token: string | undefined): EmuApp {
    const entry = token ? this.state.tokens.get(token) : undefined;
    if (!entry || entry.expiresAt <= this.now() || entry.user) {
      throw invalidTokenError();
    }
    return this.appOf(entry.appKey);
  }

  /** Pushes an event to the app the way it subscribed: HTTP or Stream. */
  push(app: EmuApp, event: Record<string, unknown>): Promise<PushResult> {
    return app.transport === 'stream'
      ? this.stream.pushEvent(app, event)
      : pushHttp(this, app, event);
  }

  /** Runs `fn` on `control.reset()`, after the state was replaced. */
  onReset(fn: () => void) {
    this.resetHooks.push(fn);
  }

  reset() {
    this.state = emptyState();
    this.faults.clear();
    this.limits.reset();
    for (const fn of this.resetHooks) fn();
  }

  /**
   * A new-style (api.dingtalk.com) API: token in a header, errors as HTTP
   * status. `api` is the name counted in `calls()` and matched by faults.
   */
  newApi(
    method: 'post' | 'put' | 'get',
    route: string,
    api: string,
    handler: ApiHandler,
  ) {
    this.app[method](route, async (req, res) => {
      const effect = await this.faults.apply(api, req).catch(e => e);
      if (effect === 'handled') return;
      let status = 200;
      let body: unknown;
      try {
        if (effect instanceof Error) throw effect;
        const app = this.appForToken(req.header('x-acs-dingtalk-access-token'));
        this.limits.admit(app, api);
        body = await handler(req, app);
      } catch (e) {
        const err =
          e instanceof ApiError
            ? e
            : new ApiError(500, 'InternalError', String(e));
        status = err.status;
        body = newStyleError(err.code, err.message);
      }
      answer(req, res, effect, status, body);
    });
  }

  /** An old-style (oapi.dingtalk.com) API: token in the query, errors as errcode. */
  oldApi(route: string, api: string, handler: ApiHandler) {
    this.app.post(route, async (req, res) => {
      const effect = await this.faults.apply(api, req).catch(e => e);
      if (effect === 'handled') return;
      let status = 200;
      let body: unknown;
      try {
        if (effect instanceof Error) throw effect;
        const app = this.appForToken(String(req.query.access_token ?? ''));
        this.limits.admit(app, api);
        const result = await handler(req, app);
        body = { errcode: 0, errmsg: 'ok', ...result, request_id: newId('') };
      } catch (e) {
        const err =
          e instanceof ApiError
            ? e
            : new ApiError(500, 'InternalError', String(e), -1);
        // oapi answers 200 with an errcode, except when the service itself fails
        status = err.status >= 500 ? err.status : 200;
        body = oldStyleError(err);
      }
      answer(req, res, effect, status, body);
    });
  }
}

/** Sends the answer, or loses it (`appliedTimeout`): the call has run. */
function answer(
  req: Request,
  res: Response,
  effect: FaultEffect | Error,
  status: number,
  body: unknown,
) {
  if (effect && typeof effect === 'object' && 'loseAnswerAfterMs' in effect) {
    const cut = () => req.socket.destroy();
    if (effect.loseAnswerAfterMs <= 0) cut();
    else setTimeout(cut, effect.loseAnswerAfterMs).unref();
    return;
  }
  res.status(status).json(body);
}

function oldStyleError(err: ApiError) {
  return err.errcode !== undefined && GATEWAY_SUB_CODES.has(err.errcode)
    ? {
        errcode: 88,
        sub_code: String(err.errcode),
        sub_msg: err.message,
        errmsg: `ding talk error[subcode=${err.errcode},submsg=${err.message}]`,
        request_id: newId(''),
      }
    : {
        errcode: err.errcode ?? 400,
        errmsg: err.errmsg ?? err.message,
        request_id: newId(''),
      };
}
