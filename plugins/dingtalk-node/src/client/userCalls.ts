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

// Users (old-style APIs) and any other old-style call.
import { z } from 'zod';
import { DingtalkApiError } from './errors';
import type {
  ClientArgs as Args,
  DingtalkTransport,
} from './DingtalkTransport';

const userByMobileResponse = z.object({
  result: z.object({ userid: z.string() }),
});
const userInfoResponse = z.object({
  result: z.object({
    userid: z.string(),
    unionid: z.string().optional(),
    name: z.string().optional(),
  }),
});
const userGetResponse = z.object({
  result: z.object({
    userid: z.string(),
    name: z.string().optional(),
    avatar: z.string().optional(),
    mobile: z.string().optional(),
    email: z.string().optional(),
    org_email: z.string().optional(),
  }),
});

/** The DingTalk user with this mobile number, or undefined when none. */
export async function getUserByMobile(
  t: DingtalkTransport,
  mobile: Args<'getUserByMobile'>[0],
) {
  try {
    const body = await t.call('user.getbymobile', {
      host: 'oapi',
      method: 'POST',
      path: '/topapi/v2/user/getbymobile',
      body: { mobile },
    });
    return {
      userId: t.parse('user.getbymobile', userByMobileResponse, body).result
        .userid,
    };
  } catch (e) {
    if (e instanceof DingtalkApiError && e.code === '60121') return undefined;
    throw e;
  }
}

/**
 * A user's profile: name, avatar, mobile and email (needs the app's
 * `qyapi_get_member` permission). Empty strings are left out.
 */
export async function getUser(
  t: DingtalkTransport,
  userId: Args<'getUser'>[0],
) {
  const body = await t.call('user.get', {
    host: 'oapi',
    method: 'POST',
    path: '/topapi/v2/user/get',
    body: { userid: userId, language: 'zh_CN' },
  });
  const { result } = t.parse('user.get', userGetResponse, body);
  return {
    userId: result.userid,
    name: result.name || undefined,
    avatar: result.avatar || undefined,
    mobile: result.mobile || undefined,
    email: result.email || result.org_email || undefined,
  };
}

/**
 * Exchanges an H5 JSAPI auth code (login-free) for the user's identity.
 * Anyone can post a code to the H5 session route: call it in the
 * `unauthenticated` lane from there.
 */
export async function getUserInfoByCode(
  t: DingtalkTransport,
  code: Args<'getUserInfoByCode'>[0],
  opts: Args<'getUserInfoByCode'>[1] = {},
) {
  const body = await t.call('user.getuserinfo', {
    host: 'oapi',
    method: 'POST',
    path: '/topapi/v2/user/getuserinfo',
    body: { code },
    lane: opts.lane,
  });
  const { result } = t.parse('user.getuserinfo', userInfoResponse, body);
  return {
    userId: result.userid,
    unionId: result.unionid,
    name: result.name,
  };
}

/**
 * An old-style (oapi) POST that no typed method here covers, under the same
 * limiter, quota, retries and token handling (the contact APIs of
 * DingtalkContactsApi are built on it). The caller parses the answer.
 */
export async function callOldStyle(
  t: DingtalkTransport,
  api: Args<'callOldStyle'>[0],
  path: Args<'callOldStyle'>[1],
  body: Args<'callOldStyle'>[2],
) {
  return t.call(api, { host: 'oapi', method: 'POST', path, body });
}
