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

import { TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import { APP } from './__testUtils__/backend';
import { useAuthBackend } from './__testUtils__/lifecycle';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'login-free sign-in inside DingTalk (%s)',
  databaseId => {
    const harness = useAuthBackend(databases, databaseId);
    const { logger, auditor } = harness;

    // What the page does once the JSAPI's requestAuthCode answered.
    const post = (
      agent: ReturnType<typeof request.agent>,
      env: string,
      body: object,
    ) =>
      agent
        .post(`/api/auth/dingtalk/jsapi?env=${env}`)
        .set('x-requested-with', 'XMLHttpRequest')
        .send(body);
    const code = (userId: string) =>
      harness.emu.control.issueAuthCode({ appKey: APP.appKey, userId }).code;
    const userInfoCalls = () =>
      harness.emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey]
        ?.byApi['user.getuserinfo'] ?? 0;

    it('tells the page what to ask the JSAPI for, and nothing secret', async () => {
      const res = await request(harness.backend.server).get(
        '/api/auth/dingtalk/jsapi?env=byId',
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ corpId: APP.corpId, clientId: APP.appKey });
    });

    it("signs the member in without a prompt and sets the provider's session cookie", async () => {
      const agent = request.agent(harness.backend.server);
      const loginCode = code('bob');
      const res = await post(agent, 'byId', { code: loginCode });
      expect(res.status).toBe(200);
      expect(res.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/bob',
      );
      expect(res.body.profile.displayName).toBe('Bob Li');
      const cookie = String(res.get('set-cookie'));
      expect(cookie).toMatch(/dingtalk-refresh-token=dtk1\./);
      expect(cookie).toMatch(/Path=\/api\/auth\/dingtalk/);
      expect(cookie).toMatch(/HttpOnly/);

      // the ordinary refresh route carries the session on
      const again = await agent
        .get('/api/auth/dingtalk/refresh?env=byId')
        .set('x-requested-with', 'XMLHttpRequest');
      expect(again.status).toBe(200);
      expect(again.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/bob',
      );

      // a code works once, and never shows in a log line
      const replay = await post(request.agent(harness.backend.server), 'byId', {
        code: loginCode,
      });
      expect(replay.status).toBe(401);
      expect(String(replay.get('set-cookie') ?? '')).not.toMatch(
        /dingtalk-refresh-token=dtk1/,
      );
      expect(logger.lines.join('\n')).not.toContain(loginCode);
    });

    it('refuses a session cookie that was altered or made up', async () => {
      const res = await post(request.agent(harness.backend.server), 'byId', {
        code: code('bob'),
      });
      const token = /dingtalk-refresh-token=([^;]+)/.exec(
        String(res.get('set-cookie')),
      )![1];
      const flip = (t: string, at: number) =>
        t.slice(0, at) + (t[at] === 'A' ? 'B' : 'A') + t.slice(at + 1);
      for (const forged of [
        flip(token, token.length - 5),
        flip(token, 10),
        `dtk1.${Buffer.from('{"corpId":"x"}').toString('base64url')}`,
        'some-dingtalk-refresh-token',
      ]) {
        const refreshed = await request(harness.backend.server)
          .get('/api/auth/dingtalk/refresh?env=byId')
          .set('x-requested-with', 'XMLHttpRequest')
          .set('cookie', `dingtalk-refresh-token=${forged}`);
        expect(refreshed.status).toBe(401);
      }
      const genuine = await request(harness.backend.server)
        .get('/api/auth/dingtalk/refresh?env=byId')
        .set('x-requested-with', 'XMLHttpRequest')
        .set('cookie', `dingtalk-refresh-token=${token}`);
      expect(genuine.status).toBe(200);
    });

    it('links on the login-free sign-in too (matched by mobile)', async () => {
      const res = await post(
        request.agent(harness.backend.server),
        'byMobile',
        {
          code: code('carol'),
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/carol',
      );
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'dingtalk-sign-in-link',
          meta: expect.objectContaining({
            user: 'user:default/carol',
            via: 'jsapi',
          }),
        }),
      );
    });

    it('sets no session for a member the resolver finds no catalog user for', async () => {
      // dave has no dingtalk.com/user-id annotation
      const res = await post(request.agent(harness.backend.server), 'byId', {
        code: code('dave'),
      });
      expect(res.status).toBe(401);
      expect(res.get('set-cookie')).toBeUndefined();
    });

    it('refuses what a form or another site could send, before asking DingTalk', async () => {
      const before = userInfoCalls();
      // (the earlier sign-ins asked it: the count is DingTalk's real one)
      expect(before).toBeGreaterThan(0);
      const agent = request.agent(harness.backend.server);
      const noHeader = await agent
        .post('/api/auth/dingtalk/jsapi?env=byId')
        .send({ code: code('bob') });
      expect(noHeader.status).toBe(401);
      const foreign = await post(agent, 'byId', { code: code('bob') }).set(
        'origin',
        'https://evil.example.com',
      );
      expect(foreign.status).toBe(403);
      const malformed = await post(agent, 'byId', { code: 'not a code!' });
      expect(malformed.status).toBe(400);
      expect(malformed.text).not.toContain('not a code!');
      const unknownEnv = await post(agent, 'nope', { code: code('bob') });
      expect(unknownEnv.status).toBe(404);
      expect(userInfoCalls()).toBe(before);
    });

    it('answers 429 after ten attempts a minute from one address', async () => {
      // environment `limited`: a window no other test here spends
      const agent = request.agent(harness.backend.server);
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 11; i++) {
        const res = await post(agent, 'limited', { code: `bogus-code-${i}` });
        statuses.push(res.status);
        retryAfter = res.get('retry-after');
      }
      expect(statuses.slice(0, 10).every(s => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
      expect(retryAfter).toMatch(/^\d+$/);
    });
  },
);
