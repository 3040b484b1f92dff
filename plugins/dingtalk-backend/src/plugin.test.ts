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
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import { DingtalkCallbackCrypto } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import request from 'supertest';
import {
  APP,
  CapturingLogger,
  ENCRYPTION_KEY,
  userEntity,
  INTEGRATION_BODY,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { person, emulatorPerTest } from './__testUtils__/emulator';
import {
  ours,
  postPush,
  signed,
  signedEvent,
} from './__testUtils__/eventPushes';

const DingTalkEncryptor = require('dingtalk-encrypt');

const integrationBody = INTEGRATION_BODY;

// Linking 45 people by mobile alone takes 45 DingTalk calls at 18 a second.
jest.setTimeout(30_000);

describe('dingtalk backend plugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    {
      options: { pushRetryDelaysMs: [100, 300] },
      people: Array.from({ length: 46 }, (_, i) =>
        person(`dt${i}`, `1380000${String(i).padStart(4, '0')}`, `Person ${i}`),
      ),
      groupTemplate: { templateId: 'tpl-1', botId: 'group-bot-1' },
    },
    e => (emu = e),
  );

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('keeps the group list in step with Cool App installs, renames and uninstalls pushed by DingTalk', async () => {
      const knex = await databases.init(databaseId);
      const logger = new CapturingLogger();
      const responses: string[] = [];
      const api = (r: request.Test) =>
        r.then(res => {
          responses.push(JSON.stringify(res.body));
          return res;
        });
      // created below, through `api`, to check what the create answers
      await withDingtalkBackend(
        { knex, emu, logger, integration: false },
        async s => {
          const created = await api(
            request(s).post('/api/dingtalk/integrations').send(integrationBody),
          );
          expect(created.status).toBe(201);
          expect(created.body.secrets).toEqual({
            clientSecret: true,
            aesKey: true,
            token: true,
          });
          expect(created.body.urls.eventSubscriptionUrl).toMatch(
            /\/api\/dingtalk\/integrations\/acme\/events$/,
          );

          const port = s.port();
          emu.control.updateApp(APP.appKey, {
            eventUrl: `http://127.0.0.1:${port}/api/dingtalk/integrations/acme/events`,
          });
          expect(
            await emu.control.sendCheckUrl({ appKey: APP.appKey }),
          ).toMatchObject({ delivered: true });

          const sre = emu.control.createGroup({
            corpId: APP.corpId,
            title: 'SRE 值班',
            ownerUserId: 'dt1',
            memberUserIds: ['dt2'],
          });
          const pay = emu.control.createGroup({
            corpId: APP.corpId,
            title: 'Payments',
            ownerUserId: 'dt1',
            memberUserIds: [],
          });
          expect(
            await emu.control.installCoolApp({
              appKey: APP.appKey,
              openConversationId: sre.openConversationId,
            }),
          ).toMatchObject({ delivered: true, attempts: 1 });
          expect(
            await emu.control.installCoolApp({
              appKey: APP.appKey,
              openConversationId: pay.openConversationId,
            }),
          ).toMatchObject({ delivered: true });

          const list = () =>
            api(request(s).get('/api/dingtalk/integrations/acme/groups'));
          expect((await list()).body.items.map((g: any) => g.title)).toEqual([
            'Payments',
            'SRE 值班',
          ]);
          expect(
            (
              await api(
                request(s).get('/api/dingtalk/integrations/acme/groups?q=sre'),
              )
            ).body.items,
          ).toHaveLength(1);

          await emu.control.renameGroup({
            openConversationId: sre.openConversationId,
            title: 'SRE On-call',
          });
          expect((await list()).body.items.map((g: any) => g.title)).toEqual([
            'Payments',
            'SRE On-call',
          ]);

          await emu.control.uninstallCoolApp({
            appKey: APP.appKey,
            openConversationId: pay.openConversationId,
          });
          expect((await list()).body.items.map((g: any) => g.title)).toEqual([
            'SRE On-call',
          ]);
          const all = await api(
            request(s).get(
              '/api/dingtalk/integrations/acme/groups?includeUninstalled=true',
            ),
          );
          expect(
            all.body.items.find((g: any) => g.title === 'Payments'),
          ).toMatchObject({ installed: false });

          // The same event again (DingTalk's retry, or a replay within the
          // window) is answered "success" and changes nothing.
          const rename = {
            EventType: 'chat_update_title',
            OpenConversationId: sre.openConversationId,
            Title: 'Renamed once',
            TimeStamp: '1',
          };
          const first = signedEvent(rename);
          const res1 = await request(s)
            .post('/api/dingtalk/integrations/acme/events')
            .query(first.query)
            .send(first.body);
          expect(ours.decrypt(res1.body.encrypt)).toBe('success');
          const later = signedEvent({
            ...rename,
            Title: 'Changed again',
            TimeStamp: '2',
          });
          await request(s)
            .post('/api/dingtalk/integrations/acme/events')
            .query(later.query)
            .send(later.body)
            .expect(200);
          const replay = signedEvent(rename); // same content, new ciphertext and signature
          const res2 = await request(s)
            .post('/api/dingtalk/integrations/acme/events')
            .query(replay.query)
            .send(replay.body);
          expect(res2.status).toBe(200);
          expect(ours.decrypt(res2.body.encrypt)).toBe('success');
          expect((await list()).body.items.map((g: any) => g.title)).toEqual([
            'Changed again',
          ]);

          // Refresh re-reads titles from DingTalk.
          const refreshed = await api(
            request(s).post('/api/dingtalk/integrations/acme/groups/refresh'),
          );
          expect(refreshed.body).toEqual({ refreshed: 1, failed: [] });
          expect((await list()).body.items.map((g: any) => g.title)).toEqual([
            'SRE On-call',
          ]);

          // Secrets never leave the backend: not in any response, not in any log line.
          const everything = [...responses, ...logger.lines].join('\n');
          for (const secret of [
            APP.appSecret,
            APP.aesKey,
            APP.token,
            ENCRYPTION_KEY,
          ]) {
            expect(everything).not.toContain(secret);
          }
          const one = await request(s).get('/api/dingtalk/integrations/acme');
          expect(JSON.stringify(one.body)).not.toContain(APP.appSecret);
        },
      );
    });

    it('sends one card to 45 linked users and 2 groups in 3 + 2 calls, and records every recipient', async () => {
      const knex = await databases.init(databaseId);
      const users = Array.from({ length: 46 }, (_, i) =>
        userEntity(
          `person${i}`,
          i < 45 ? `1380000${String(i).padStart(4, '0')}` : undefined,
        ),
      );
      await withDingtalkBackend({ knex, emu, users }, async s => {
        const linked = await request(s).post(
          '/api/dingtalk/integrations/acme/links/link-all-by-mobile',
        );
        expect(linked.body.linked).toHaveLength(45);
        expect(linked.body.skipped).toEqual(['user:default/person45']);

        const groups = ['G1', 'G2'].map(title =>
          emu.control.createGroup({
            corpId: APP.corpId,
            title,
            ownerUserId: 'dt0',
            memberUserIds: [],
          }),
        );
        for (const g of groups) g.coolApps.push(APP.appKey);
        const before = emu.control.calls().byApp[APP.appKey].total;

        const sent = await request(s)
          .post('/api/dingtalk/notify/send')
          .send({
            reference: 'incident-1',
            users: users.map(u => `user:default/${u.metadata.name}`),
            groups: groups.map(g => g.openConversationId),
            message: {
              type: 'card',
              outTrackId: 'incident-1-v1',
              title: 'Disk full',
              markdown: '**db-1** 95%',
              actions: [{ id: 'acknowledge', label: 'Acknowledge' }],
            },
          });
        expect(sent.status).toBe(200);
        const calls = emu.control.calls().byApp[APP.appKey];
        expect(calls.total - before).toBe(5);
        expect(calls.byApi['card.instances.createAndDeliver']).toBe(1);
        expect(calls.byApi['card.instances.deliver']).toBe(4);
        expect(
          emu.control.cards({ outTrackId: 'incident-1-v1' })[0].spaces,
        ).toHaveLength(47);

        const records = await request(s).get(
          '/api/dingtalk/records?reference=incident-1&limit=500',
        );
        expect(records.body.total).toBe(48);
        const byOutcome = (o: string) =>
          records.body.items.filter((r: any) => r.outcome === o);
        expect(byOutcome('sent')).toHaveLength(47);
        expect(byOutcome('app not linked')).toEqual([
          expect.objectContaining({
            recipient: 'user:default/person45',
            recipientType: 'user',
          }),
        ]);

        // updated in place, not sent again
        await request(s)
          .post('/api/dingtalk/notify/card-update')
          .send({
            outTrackId: 'incident-1-v1',
            cardParamMap: { status: 'acknowledged' },
          })
          .expect(204);
        expect(
          emu.control.cards({ outTrackId: 'incident-1-v1' })[0].cardParamMap
            .status,
        ).toBe('acknowledged');
      });
    });
  });

  it('accepts an event encrypted by dingtalk-encrypt, and its reply decrypts there', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const theirs = new DingTalkEncryptor(APP.token, APP.aesKey, APP.appKey);
      const timestamp = String(Date.now());
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'Via dingtalk-encrypt',
        ownerUserId: 'dt0',
        memberUserIds: [],
      });
      const { msg_signature, encrypt } = theirs.getEncryptedMap(
        JSON.stringify({
          EventType: 'im_cool_app_install',
          OpenConversationId: group.openConversationId,
          CorpId: APP.corpId,
        }),
        timestamp,
        'abcdef',
      );
      const res = await request(s)
        .post('/api/dingtalk/integrations/acme/events')
        .query({ msg_signature, timestamp, nonce: 'abcdef' })
        .send({ encrypt });
      expect(res.status).toBe(200);
      expect(
        theirs.getSignature(
          APP.token,
          res.body.timeStamp,
          res.body.nonce,
          res.body.encrypt,
        ),
      ).toBe(res.body.msg_signature);
      expect(theirs.decrypt(res.body.encrypt)).toBe('success');
      const groups = await request(s).get(
        '/api/dingtalk/integrations/acme/groups',
      );
      expect(groups.body.items[0].title).toBe('Via dingtalk-encrypt');
    });
  });

  it('refuses bad callbacks with a clear 4xx and stores nothing', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const url = '/api/dingtalk/integrations/acme/events';
      const install = {
        EventType: 'im_cool_app_install',
        OpenConversationId: 'cid-x',
      };
      const good = signedEvent(install);
      const cases: Array<[string, request.Test, number, string]> = [
        ['no query', request(s).post(url).send(good.body), 400, 'timestamp'],
        [
          'bad signature',
          request(s)
            .post(url)
            .query({ ...good.query, signature: 'f'.repeat(40) })
            .send(good.body),
          401,
          'signature',
        ],
        [
          'bad base64',
          postPush(s, signed('%%%not-base64%%%', { nonce: 'n' }), url),
          400,
          'cannot be decrypted',
        ],
        [
          'other receiver',
          (() => {
            const other = new DingtalkCallbackCrypto({
              token: APP.token,
              aesKey: APP.aesKey,
              receiverId: 'dingother',
            });
            const p = signedEvent(install, { crypto: other });
            return postPush(s, p, url);
          })(),
          400,
          'another app',
        ],
        [
          'stale',
          (() => {
            const p = signedEvent(install, {
              timestamp: String(Date.now() - 10 * 60_000),
            });
            return postPush(s, p, url);
          })(),
          400,
          'stale',
        ],
        [
          'no body',
          request(s).post(url).query(good.query).send({}),
          400,
          'encrypt',
        ],
        [
          'oversized',
          request(s)
            .post(url)
            .query(good.query)
            .send({ encrypt: 'A'.repeat(200_000) }),
          413,
          '',
        ],
        [
          'unknown integration',
          request(s)
            .post('/api/dingtalk/integrations/nope/events')
            .query(good.query)
            .send(good.body),
          404,
          'nope',
        ],
        [
          'not json',
          postPush(
            s,
            signed(ours.encrypt('not json at all'), { nonce: 'n' }),
            url,
          ),
          400,
          'JSON',
        ],
      ];
      for (const [name, req, status, reason] of cases) {
        const res = await req;
        expect({ name, status: res.status }).toEqual({ name, status });
        expect(res.body.error?.message ?? '').toContain(reason);
      }
      const groups = await request(s).get(
        '/api/dingtalk/integrations/acme/groups?includeUninstalled=true',
      );
      expect(groups.body.items).toEqual([]);
    });
  });

  it('answers bad input on every route with a 4xx and a reason', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu, integration: false }, async s => {
      const cases: Array<[request.Test, number, string]> = [
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integrationBody, aesKey: 'short' }),
          400,
          'aes_key must be exactly 43 characters',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integrationBody, id: 'Bad Id!' }),
          400,
          'id must be',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ ...integrationBody, edition: 'gold' }),
          400,
          'edition',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .send({ name: "x'; drop table dingtalk_integrations; --" }),
          400,
          'corpId',
        ],
        [
          request(s)
            .post('/api/dingtalk/integrations')
            .set('content-type', 'application/json')
            .send('{"broken'),
          400,
          '',
        ],
        [request(s).get('/api/dingtalk/integrations/missing'), 404, 'missing'],
        [
          request(s)
            .put('/api/dingtalk/integrations/missing')
            .send({ name: 'x' }),
          404,
          'missing',
        ],
        [
          request(s).get('/api/dingtalk/integrations/missing/groups'),
          404,
          'missing',
        ],
        [request(s).get('/api/dingtalk/records?limit=100000'), 400, 'limit'],
        [request(s).get('/api/dingtalk/records?outcome=bogus'), 400, 'outcome'],
        [
          request(s)
            .post('/api/dingtalk/notify/send')
            .send({ message: { type: 'sms' } }),
          400,
          'type',
        ],
        [
          request(s)
            .post('/api/dingtalk/notify/send')
            .send({
              users: ['user:default/a'],
              message: { type: 'text', content: 'x' },
            }),
          400,
          'No DingTalk integration',
        ],
        [
          request(s)
            .post('/api/dingtalk/links/confirm')
            .send({ ticket: 'forged.ticket' }),
          400,
          'invalid or has expired',
        ],
        [request(s).get('/api/dingtalk/links'), 400, 'integrationId'],
        [
          request(s)
            .post('/api/dingtalk/h5/missing/session')
            .send({ code: 'x' }),
          404,
          'missing',
        ],
      ];
      for (const [req, status, reason] of cases) {
        const res = await req;
        expect({ url: (res as any).req.path, status: res.status }).toEqual({
          url: (res as any).req.path,
          status,
        });
        expect(res.body.error?.message ?? '').toContain(reason);
      }
      await request(s)
        .post('/api/dingtalk/integrations')
        .send(integrationBody)
        .expect(201);
      const clash = await request(s)
        .post('/api/dingtalk/integrations')
        .send(integrationBody);
      expect(clash.status).toBe(409);
      const h5 = await request(s)
        .post('/api/dingtalk/h5/acme/session')
        .send({ code: 'made-up' });
      expect(h5.status).toBe(400);
      expect(h5.body.error.message).toContain('auth code');
      const noWarRoom = await request(s)
        .post('/api/dingtalk/warrooms')
        .send({ title: 'x', ownerMobile: '13800000001', uuid: 'u' });
      expect(noWarRoom.status).toBe(400);
      expect(noWarRoom.body.error.message).toContain('Template ID');
    });
  });

  it('links a DingTalk user on the first H5 visit, and the next visit is login-free', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      {
        knex,
        emu,
        users: [userEntity('mock')],
      },
      async s => {
        const page = await request(s).get('/api/dingtalk/h5/acme/home');
        expect(page.status).toBe(200);
        expect(page.text).toContain('<script src="../assets/app.js"></script>');
        expect(page.text).not.toMatch(/<script>[^<]/);
        const js = await request(s).get('/api/dingtalk/h5/assets/app.js');
        expect(js.status).toBe(200);
        // DingTalk's JSAPI, bundled at build time (scripts/build-h5.js).
        const jsapi = await request(s).get(
          '/api/dingtalk/h5/assets/dingtalk-jsapi.js',
        );
        expect(jsapi.status).toBe(200);
        expect(jsapi.type).toBe('application/javascript');
        expect(jsapi.text).toContain('window.dd=');

        const session = async () => {
          const { code } = emu.control.issueAuthCode({
            appKey: APP.appKey,
            userId: 'dt7',
          });
          return request(s)
            .post('/api/dingtalk/h5/acme/session')
            .send({ code });
        };
        const first = await session();
        expect(first.body).toMatchObject({
          linked: false,
          dingtalkName: 'Person 7',
        });
        const ticket = decodeURIComponent(
          new URL(first.body.linkUrl).hash.replace(/^#ticket=/, ''),
        );
        // the signed-in Backstage user (the test backend's default user)
        // confirms, in the browser the H5 session's cookie was set in
        const confirmed = await request(s)
          .post('/api/dingtalk/links/confirm')
          .set('cookie', String(first.headers['set-cookie']).split(';')[0])
          .send({ ticket });
        expect(confirmed.status).toBe(201);
        expect(confirmed.body).toMatchObject({
          userEntityRef: 'user:default/mock',
          dingtalkUserId: 'dt7',
        });
        const second = await session();
        expect(second.body).toMatchObject({
          linked: true,
          userEntityRef: 'user:default/mock',
        });
        const mine = await request(s).get('/api/dingtalk/links/me');
        expect(mine.body).toEqual([
          expect.objectContaining({
            integrationId: 'acme',
            dingtalkUserId: 'dt7',
          }),
        ]);
        const links = await request(s).get(
          '/api/dingtalk/links?integrationId=acme&filter=linked',
        );
        expect(links.body.items).toEqual([
          expect.objectContaining({
            userEntityRef: 'user:default/mock',
            dingtalkUserId: 'dt7',
          }),
        ]);
        await request(s)
          .delete(
            `/api/dingtalk/links/acme/${encodeURIComponent(
              'user:default/mock',
            )}`,
          )
          .expect(204);
        expect((await session()).body.linked).toBe(false);
      },
    );
  });

  it('opens a war room once per uuid and reports unknown mobiles', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      {
        knex,
        emu,
        integration: {
          ...integrationBody,
          warRoom: { templateId: 'tpl-1', botId: 'group-bot-1' },
        },
      },
      async s => {
        const body = {
          title: 'INC-1 Disk full',
          ownerMobile: '13800000001',
          members: { mobiles: ['13800000002', '19999999999'] },
          uuid: 'incident-1',
          message: {
            type: 'markdown',
            title: 'INC-1',
            text: 'Disk full on db-1',
          },
        };
        const first = await request(s)
          .post('/api/dingtalk/warrooms')
          .send(body);
        expect(first.status).toBe(201);
        expect(first.body.notFound).toEqual([
          expect.objectContaining({ mobile: '19999999999' }),
        ]);
        const again = await request(s)
          .post('/api/dingtalk/warrooms')
          .send(body);
        expect(again.body.openConversationId).toBe(
          first.body.openConversationId,
        );
        const rooms = emu.control
          .groups()
          .filter(g => g.templateId === 'tpl-1');
        expect(rooms).toHaveLength(1);
        expect(rooms[0]).toMatchObject({
          ownerUserId: 'dt1',
          members: ['dt1', 'dt2'],
        });
        const posted = emu.control.messages({
          openConversationId: first.body.openConversationId,
        });
        expect(posted[0]).toMatchObject({
          robotCode: 'group-bot-1',
          msgKey: 'sampleMarkdown',
        });

        emu.control.updateApp(APP.appKey, {
          permissions: ['qyapi_robot_sendmsg', 'qyapi_get_member_by_mobile'],
        });
        const denied = await request(s)
          .post('/api/dingtalk/warrooms')
          .send({ ...body, uuid: 'incident-2' });
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toContain('qyapi_chat_manage');
      },
    );
  });

  it('names what to configure when war rooms are not set up, and checks what is posted into one', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      const create = await request(s).post('/api/dingtalk/warrooms').send({
        title: 'INC-3',
        ownerMobile: '13800000001',
        uuid: 'incident-3',
      });
      expect(create.status).toBe(400);
      expect(create.body.error.message).toContain('group Template ID');
      const post = await request(s)
        .post('/api/dingtalk/warrooms/cid-any/messages')
        .send({ message: { type: 'text', content: 'hello' } });
      expect(post.status).toBe(400);
      expect(post.body.error.message).toContain('group Bot ID');
      const malformed = await request(s)
        .post('/api/dingtalk/warrooms/cid-any/messages')
        .send({ message: { type: 'fax' } });
      expect(malformed.status).toBe(400);
      expect(
        emu.control.messages({ openConversationId: 'cid-any' }),
      ).toHaveLength(0);
    });
  });

  it('invites unlinked Backstage users to a war room by the mobile number in the catalog', async () => {
    const knex = await databases.init('SQLITE_3');
    const users = [
      userEntity('owner', '13800000001'),
      userEntity('member', '13800000003'),
      userEntity('nomobile'),
      userEntity('stranger', '19999999999'),
    ];
    await withDingtalkBackend(
      {
        knex,
        emu,
        users,
        integration: {
          ...integrationBody,
          warRoom: { templateId: 'tpl-1', botId: 'group-bot-1' },
        },
      },
      async s => {
        const res = await request(s)
          .post('/api/dingtalk/warrooms')
          .send({
            title: 'INC-2 Latency',
            ownerUserEntityRef: 'user:default/owner',
            members: {
              userEntityRefs: [
                'user:default/member',
                'user:default/nomobile',
                'user:default/stranger',
              ],
            },
            uuid: 'incident-catalog-mobiles',
          });
        expect(res.status).toBe(201);
        expect(res.body.notFound).toEqual([
          expect.objectContaining({
            userEntityRef: 'user:default/nomobile',
            reason: expect.stringContaining('dingtalk.com/mobile'),
          }),
          expect.objectContaining({
            userEntityRef: 'user:default/stranger',
            reason: expect.stringContaining('no DingTalk user'),
          }),
        ]);
        const [room] = emu.control
          .groups()
          .filter(g => g.title === 'INC-2 Latency');
        expect(room).toMatchObject({
          ownerUserId: 'dt1',
          members: ['dt1', 'dt3'],
        });
        // Inviting is not linking: messages still go to linked accounts only.
        const sent = await request(s)
          .post('/api/dingtalk/notify/send')
          .send({
            users: ['user:default/member'],
            message: { type: 'text', content: 'hello' },
          })
          .expect(200);
        expect(sent.body.results).toEqual([
          expect.objectContaining({
            recipient: 'user:default/member',
            outcome: 'app not linked',
          }),
        ]);
      },
    );
  });

  it('tests credentials by fetching a token', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend({ knex, emu }, async s => {
      expect(
        (await request(s).post('/api/dingtalk/integrations/acme/test')).body.ok,
      ).toBe(true);
      await request(s)
        .put('/api/dingtalk/integrations/acme')
        .send({ clientSecret: 'wrong-secret' })
        .expect(200);
      const bad = await request(s).post('/api/dingtalk/integrations/acme/test');
      expect(bad.body).toMatchObject({ ok: false });
      expect(bad.body.message).toContain('invalidClientIdOrSecret');
    });
  });
});
