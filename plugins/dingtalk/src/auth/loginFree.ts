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

import type { DiscoveryApi } from '@backstage/core-plugin-api';

// The slice of DingTalk's JSAPI (dingtalk-jsapi, or the emulator's stand-in)
// the login-free sign-in uses.
interface Jsapi {
  runtime: {
    permission: {
      requestAuthCode(opts: {
        corpId: string;
        clientId?: string;
        onSuccess(result: { code: string }): void;
        onFail(error: unknown): void;
      }): void;
    };
  };
}

/**
 * Whether the page runs inside the DingTalk client: its user agent says
 * `DingTalk`, or the emulator's simulated client opened it (it adds `dd_user`
 * to the URL; the script it then loads still comes from configuration only).
 *
 * @public
 */
export function isInsideDingtalk(
  win: Pick<Window, 'navigator' | 'location'> = window,
): boolean {
  return (
    /DingTalk/i.test(win.navigator.userAgent) ||
    new URLSearchParams(win.location.search).has('dd_user')
  );
}

/**
 * The login-free sign-in: asks DingTalk's JSAPI for a login code and hands it
 * to the auth backend (`POST /api/auth/dingtalk/jsapi`), which sets the
 * DingTalk provider's session cookie. Resolves true when a session was set
 * (the sign-in page then signs in with the DingTalk provider without a
 * prompt), false when the page is not inside DingTalk or the backend offers
 * no login-free sign-in.
 *
 * @public
 */
export async function signInInsideDingtalk(opts: {
  discoveryApi: DiscoveryApi;
  environment?: string;
}): Promise<boolean> {
  if (!isInsideDingtalk()) return false;
  const base = await opts.discoveryApi.getBaseUrl('auth');
  const url = `${base}/dingtalk/jsapi?env=${encodeURIComponent(
    opts.environment ?? 'development',
  )}`;
  const described = await fetch(url, { credentials: 'include' });
  if (!described.ok) return false;
  const { corpId, clientId, jsapiUrl } = (await described.json()) as {
    corpId?: string;
    clientId?: string;
    jsapiUrl?: string;
  };
  if (!corpId) return false;
  const dd = await loadJsapi(jsapiUrl);
  const code = await new Promise<string>((resolve, reject) =>
    dd.runtime.permission.requestAuthCode({
      corpId,
      clientId,
      onSuccess: result => resolve(result.code),
      onFail: error =>
        reject(new Error(`DingTalk gave no login code: ${describe(error)}`)),
    }),
  );
  // The code goes in the body: URLs end up in logs.
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'include',
    headers: {
      'content-type': 'application/json',
      'x-requested-with': 'XMLHttpRequest',
    },
    body: JSON.stringify({ code }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => undefined);
    throw new Error(
      `DingTalk sign-in failed: ${body?.error?.message ?? res.statusText}`,
    );
  }
  return true;
}

async function loadJsapi(jsapiUrl?: string): Promise<Jsapi> {
  const existing = (window as any).dd as Jsapi | undefined;
  if (existing?.runtime?.permission) return existing;
  if (jsapiUrl) {
    // The emulator's stand-in (configured on the backend, never taken from
    // the page's URL).
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = jsapiUrl;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error(`could not load ${jsapiUrl}`));
      document.head.appendChild(script);
    });
    return (window as any).dd as Jsapi;
  }
  // DingTalk's own JSAPI, bundled with the app and loaded only inside DingTalk.
  const mod: any = await import('dingtalk-jsapi');
  return (mod.default ?? mod) as Jsapi;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const e = error as { errorMessage?: string; message?: string };
    return e.errorMessage ?? e.message ?? JSON.stringify(error);
  }
  return String(error);
}
