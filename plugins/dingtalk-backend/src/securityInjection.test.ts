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

import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  INTEGRATION_BODY,
  userEntity,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { securitySuite } from './__testUtils__/securitySuite';
import {
  EVENTS,
  postPush,
  signed,
  signedEvent,
} from './__testUtils__/eventPushes';
import { countTableRows, EVIL, problemWith } from './__testUtils__/injection';

// Injection-like strings on every route: a 4xx with a reason or a correct
// answer, never a 500, and no table is harmed. Split from security.test.ts.

jest.setTimeout(60_000);

describe('dingtalk backend security', () => {
  let emu: EmulatorHandle;
  const databases = securitySuite(e => (emu = e));

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('answers injection-like strings on every route with a 4xx or a correct result, and the tables stay intact', async () => {
      const knex = await databases.init(databaseId);
      await withDingtalkBackend(
        {
          knex,
          emu,
          users: [userEntity('alice', '13800000001')],
        },
        async s => {
          // groups whose titles hold the LIKE metacharacters
          const titles = ['Plain', '100% done', 'snake_case', 'back\\slash'];
          for (const [i, title] of titles.entries()) {
            emu.control
              .createGroup({
                corpId: APP.corpId,
                title,
                ownerUserId: 'dt1',
                memberUserIds: [],
                openConversationId: `cid${i}`,
              })
              .coolApps.push(APP.appKey);
            const res = await postPush(
              s,
              signedEvent({
                EventType: 'im_cool_app_install',
                OpenConversationId: `cid${i}`,
                Title: title,
              }),
            );
            expect(res.status).toBe(200);
          }
          await request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              reference: 'ref-1',
              groups: ['cid0'],
              message: { type: 'text', content: 'x' },
            })
            .expect(200);
          const before = await countTableRows(knex);

          const problems: string[] = [];
          for (const evil of EVIL) {
            const e = encodeURIComponent(evil);
            const reqs: Array<[string, request.Test, (body: any) => void]> = [
              [
                'get integration',
                request(s).get(`/api/dingtalk/integrations/${e}`),
                () => {},
              ],
              [
                'put integration',
                request(s)
                  .put(`/api/dingtalk/integrations/${e}`)
                  .send({ name: evil }),
                () => {},
              ],
              [
                'put acme bad field',
                request(s)
                  .put('/api/dingtalk/integrations/acme')
                  .send({ corpId: evil, agentId: evil }),
                () => {},
              ],
              [
                'delete integration',
                request(s).delete(`/api/dingtalk/integrations/${e}`),
                () => {},
              ],
              [
                'create integration',
                request(s)
                  .post('/api/dingtalk/integrations')
                  .send({ ...INTEGRATION_BODY, id: evil, clientId: evil }),
                () => {},
              ],
              [
                'test integration',
                request(s).post(`/api/dingtalk/integrations/${e}/test`),
                () => {},
              ],
              [
                'groups of',
                request(s).get(`/api/dingtalk/integrations/${e}/groups`),
                () => {},
              ],
              [
                'groups q',
                request(s)
                  .get('/api/dingtalk/integrations/acme/groups')
                  .query({ q: evil, includeUninstalled: 'true' }),
                body =>
                  expect(body.items.map((g: any) => g.title)).toEqual(
                    titles.filter(t =>
                      t.toLowerCase().includes(evil.toLowerCase()),
                    ),
                  ),
              ],
              [
                'groups cursor',
                request(s)
                  .get('/api/dingtalk/integrations/acme/groups')
                  .query({ cursor: evil, limit: evil }),
                () => {},
              ],
              [
                'refresh',
                request(s).post(
                  `/api/dingtalk/integrations/${e}/groups/refresh`,
                ),
                () => {},
              ],
              [
                'usage',
                request(s).get(`/api/dingtalk/integrations/${e}/usage`),
                () => {},
              ],
              [
                'records',
                request(s)
                  .get('/api/dingtalk/records')
                  .query({ integrationId: evil, user: evil, reference: evil }),
                body => expect(body).toEqual({ items: [], total: 0 }),
              ],
              [
                'records outcome',
                request(s)
                  .get('/api/dingtalk/records')
                  .query({ outcome: evil }),
                () => {},
              ],
              [
                'links',
                request(s)
                  .get('/api/dingtalk/links')
                  .query({ integrationId: evil }),
                () => {},
              ],
              [
                'links q',
                request(s)
                  .get('/api/dingtalk/links')
                  .query({ integrationId: 'acme', q: evil }),
                body => expect(body.items).toEqual([]),
              ],
              [
                'unlink',
                request(s).delete(`/api/dingtalk/links/${e}/${e}`),
                () => {},
              ],
              [
                'link all',
                request(s).post(
                  `/api/dingtalk/integrations/${e}/links/link-all-by-mobile`,
                ),
                () => {},
              ],
              [
                'confirm',
                request(s)
                  .post('/api/dingtalk/links/confirm')
                  .send({ ticket: evil }),
                () => {},
              ],
              [
                'send to integration',
                request(s)
                  .post('/api/dingtalk/notify/send')
                  .send({
                    integrationId: evil,
                    groups: ['cid0'],
                    message: { type: 'text', content: evil },
                  }),
                () => {},
              ],
              [
                'send to evil recipients',
                request(s)
                  .post('/api/dingtalk/notify/send')
                  .send({
                    reference: evil,
                    users: [evil],
                    groups: [evil],
                    message: { type: 'text', content: evil },
                  }),
                body =>
                  expect(
                    body.results.map((r: any) => r.outcome).sort(),
                  ).toEqual(['app not linked', 'failed']),
              ],
              [
                'send card',
                request(s)
                  .post('/api/dingtalk/notify/send')
                  .send({
                    groups: ['cid0'],
                    message: {
                      type: 'card',
                      outTrackId: evil,
                      title: evil,
                      markdown: evil,
                    },
                  }),
                () => {},
              ],
              [
                'card update',
                request(s)
                  .post('/api/dingtalk/notify/card-update')
                  .send({ outTrackId: evil, cardParamMap: { a: evil } }),
                () => {},
              ],
              [
                'resolve users',
                request(s)
                  .post('/api/dingtalk/notify/resolve-users')
                  .send({ userEntityRefs: [evil], mobiles: [evil] }),
                () => {},
              ],
              [
                'resolve refs',
                request(s)
                  .post('/api/dingtalk/notify/resolve-users')
                  .send({ userEntityRefs: [evil] }),
                () => {},
              ],
              [
                'war room',
                request(s)
                  .post('/api/dingtalk/warrooms')
                  .send({ title: evil, uuid: evil, ownerUserEntityRef: evil }),
                () => {},
              ],
              [
                'war room invite',
                request(s)
                  .post(`/api/dingtalk/warrooms/${e}/members`)
                  .send({ userEntityRefs: [evil] }),
                () => {},
              ],
              [
                'war room post',
                request(s)
                  .post(`/api/dingtalk/warrooms/${e}/messages`)
                  .send({
                    reference: evil,
                    message: { type: 'markdown', title: evil, text: evil },
                  }),
                () => {},
              ],
              [
                'h5 config',
                request(s).get(`/api/dingtalk/h5/${e}/config`),
                () => {},
              ],
              [
                'h5 page',
                request(s).get(`/api/dingtalk/h5/${e}/${e}`),
                () => {},
              ],
              [
                'h5 session',
                request(s)
                  .post(`/api/dingtalk/h5/${e}/session`)
                  .send({ code: evil }),
                () => {},
              ],
              [
                'h5 session code',
                request(s)
                  .post('/api/dingtalk/h5/acme/session')
                  .send({ code: evil }),
                () => {},
              ],
              [
                'events of',
                postPush(
                  s,
                  signedEvent({ EventType: 'check_url' }),
                  `/api/dingtalk/integrations/${e}/events`,
                ),
                () => {},
              ],
              [
                'events query',
                request(s)
                  .post(EVENTS)
                  .query({ signature: evil, timestamp: evil, nonce: evil })
                  .send({ encrypt: evil }),
                () => {},
              ],
              ['events encrypt', postPush(s, signed(evil)), () => {}],
              [
                'event content',
                postPush(
                  s,
                  signedEvent({
                    EventType: 'chat_update_title',
                    OpenConversationId: evil,
                    ChatId: evil,
                    Title: evil,
                  }),
                ),
                () => {},
              ],
              [
                'card callback',
                request(s)
                  .post(`/api/dingtalk/integrations/acme/card-callback`)
                  .query({ key: evil })
                  .send({ outTrackId: evil, userId: evil }),
                () => {},
              ],
            ];
            for (const [name, req, check] of reqs) {
              const problem = problemWith(
                `${name} ${JSON.stringify(evil)}`,
                await req,
                check,
              );
              if (problem) problems.push(problem);
            }
          }
          expect(problems).toEqual([]);

          // Nothing dropped, nothing leaked into other rows: the only new rows
          // are the records of the evil sends and the events just pushed.
          const after = await countTableRows(knex);
          expect(after.dingtalk_integrations).toBe(
            before.dingtalk_integrations,
          );
          expect(after.dingtalk_groups).toBe(before.dingtalk_groups);
          expect(after.dingtalk_links).toBe(before.dingtalk_links);
          const list = await request(s)
            .get('/api/dingtalk/integrations/acme/groups')
            .query({ includeUninstalled: 'true' });
          expect(list.body.items.map((g: any) => g.title).sort()).toEqual(
            [...titles].sort(),
          );
          const integrations = await request(s).get(
            '/api/dingtalk/integrations',
          );
          expect(
            integrations.body.map((i: any) => [i.id, i.name, i.corpId]),
          ).toEqual([['acme', 'Acme', APP.corpId]]);
          const records = await request(s)
            .get('/api/dingtalk/records')
            .query({ reference: 'ref-1' });
          expect(records.body.items).toEqual([
            expect.objectContaining({ recipient: 'cid0', outcome: 'sent' }),
          ]);
        },
      );
    });
  });
});
