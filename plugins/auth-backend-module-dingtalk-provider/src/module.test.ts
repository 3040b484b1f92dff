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

import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  decodeOAuthState,
  encodeOAuthState,
} from '@backstage/plugin-auth-node';
import request from 'supertest';
import { APP, webLogin, webMessage } from './__testUtils__/backend';
import { useAuthBackend } from './__testUtils__/lifecycle';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'sign-in with DingTalk (%s)',
  databaseId => {
    const harness = useAuthBackend(databases, databaseId);
    const { logger, auditor } = harness;

    const refresh = (agent: ReturnType<typeof request.agent>, env: string) =>
      agent
        .get(`/api/auth/dingtalk/refresh?env=${env}`)
        .set('x-requested-with', 'XMLHttpRequest');
    // The DingTalk accounts linked to a Backstage user, as that user sees them.
    const linksOf = (userEntityRef: string) =>
      request(harness.backend.server)
        .get('/api/dingtalk/links/me')
        .set({ Authorization: mockCredentials.user.header(userEntityRef) });

    // Signs `userId` in through the `authEnv` resolver and checks that the
    // Backstage identity is theirs; the agent keeps the session cookie.
    const signInAs = async (authEnv: string, userId: string) => {
      const agent = request.agent(harness.backend.server);
      const { message } = await webLogin(agent, harness.emu, authEnv, userId);
      expect(message.response.backstageIdentity.identity.userEntityRef).toBe(
        `user:default/${userId}`,
      );
      return agent;
    };

    it("sends the browser to DingTalk's authorisation page with state, and signs the chosen member in", async () => {
      const agent = request.agent(harness.backend.server);
      const { authorize, callback, message } = await webLogin(
        agent,
        harness.emu,
        'byId',
        'bob',
      );
      expect(authorize.origin + authorize.pathname).toBe(
        `${harness.emu.baseUrl}/oauth2/auth`,
      );
      expect(Object.fromEntries(authorize.searchParams)).toEqual({
        client_id: APP.appKey,
        redirect_uri: `http://localhost:${harness.backend.server.port()}/api/auth/dingtalk/handler/frame`,
        response_type: 'code',
        scope: 'openid corpid',
        corpId: APP.corpId,
        state: expect.any(String),
        prompt: 'consent',
      });
      // DingTalk answers with the code under both names, and the state as given.
      expect(callback.searchParams.get('code')).toBe(
        callback.searchParams.get('authCode'),
      );
      expect(callback.searchParams.get('state')).toBe(
        authorize.searchParams.get('state'),
      );
      expect(message.type).toBe('authorization_response');
      expect(message.response.backstageIdentity.identity).toEqual({
        type: 'user',
        userEntityRef: 'user:default/bob',
        ownershipEntityRefs: ['user:default/bob', 'group:default/sre'],
      });
      expect(message.response.profile).toEqual({
        displayName: 'Bob Li',
        email: 'bob@example.com',
      });
      // No DingTalk token reaches the browser.
      expect(message.response.providerInfo.accessToken).toBe('');

      // The session cookie carries on without DingTalk's login page.
      const again = await refresh(agent, 'byId');
      expect(again.status).toBe(200);
      expect(again.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/bob',
      );
    });

    it('refuses a callback whose state is not the one this browser started with', async () => {
      const agent = request.agent(harness.backend.server);
      const { message, frame } = await webLogin(
        agent,
        harness.emu,
        'byId',
        'bob',
        callback => {
          const state = decodeOAuthState(callback.searchParams.get('state')!);
          callback.searchParams.set(
            'state',
            encodeOAuthState({ ...state, nonce: 'forged-nonce' }),
          );
        },
      );
      expect(message.type).toBe('authorization_response');
      expect(message.error.message).toMatch(/nonce/i);
      expect(String(frame.get('set-cookie') ?? '')).not.toMatch(
        /dingtalk-refresh-token=[^;]/,
      );
      expect((await refresh(agent, 'byId')).status).toBe(401);
    });

    it('refuses a DingTalk account that is not a member of the organisation', async () => {
      const agent = request.agent(harness.backend.server);
      const start = await agent.get('/api/auth/dingtalk/start?env=byId');
      const state = new URL(start.get('location')!).searchParams.get('state');
      // eve can sign in to DingTalk, but is in another organisation
      const { code } = harness.emu.control.issueAuthCode({
        appKey: APP.appKey,
        userId: 'eve',
      });
      const frame = await agent.get(
        `/api/auth/dingtalk/handler/frame?state=${encodeURIComponent(
          state!,
        )}&code=${code}&authCode=${code}`,
      );
      const message = webMessage(frame.text);
      expect(message.error.message).toMatch(/not a member/);
    });

    it('matches by mobile and links the DingTalk account on the first sign-in, audited', async () => {
      const before = await linksOf('user:default/carol');
      expect(before.body.filter((l: any) => l.source === 'sign-in')).toEqual(
        [],
      );

      const agent = await signInAs('byMobile', 'carol');
      const after = await linksOf('user:default/carol');
      expect(after.body).toEqual([
        expect.objectContaining({
          integrationId: 'acme',
          userEntityRef: 'user:default/carol',
          dingtalkUserId: 'carol',
          source: 'sign-in',
        }),
      ]);
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({
          eventId: 'dingtalk-sign-in-link',
          meta: expect.objectContaining({
            user: 'user:default/carol',
            dingtalkUserId: 'carol',
            matchedBy: 'mobile',
          }),
        }),
      );
      // A refresh is not a sign-in: it links nothing again.
      const calls = auditor.createEvent.mock.calls.length;
      expect((await refresh(agent, 'byMobile')).status).toBe(200);
      expect(auditor.createEvent.mock.calls.length).toBe(calls);
    });

    it('matches by the email in the organisation’s address book and links', async () => {
      await signInAs('byEmail', 'dave');
      const links = await linksOf('user:default/dave');
      expect(links.body).toEqual([
        expect.objectContaining({ dingtalkUserId: 'dave', source: 'sign-in' }),
      ]);
    });

    it('tries the next resolver when one finds nobody, and links nothing with link: false', async () => {
      await signInAs('chain', 'erin');
      const links = await linksOf('user:default/erin');
      expect(links.body).toEqual([]);
      expect(auditor.createEvent).not.toHaveBeenCalledWith(
        expect.objectContaining({
          meta: expect.objectContaining({ user: 'user:default/erin' }),
        }),
      );
    });

    it('ends the session at the next refresh once the person left the organisation', async () => {
      const agent = request.agent(harness.backend.server);
      await webLogin(agent, harness.emu, 'recheck', 'bob');
      expect((await refresh(agent, 'recheck')).status).toBe(200);
      const bob = harness.emu.state.users.get('bob')!;
      harness.emu.state.users.delete('bob');
      try {
        const res = await refresh(agent, 'recheck');
        expect(res.status).toBe(401);
      } finally {
        harness.emu.state.users.set('bob', bob);
      }
    });

    it('never logs a code', async () => {
      const agent = request.agent(harness.backend.server);
      const { callback } = await webLogin(agent, harness.emu, 'byId', 'bob');
      const code = callback.searchParams.get('code')!;
      expect(logger.lines.join('\n')).not.toContain(code);
    });
  },
);
