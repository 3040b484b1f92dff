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
  CapturingLogger,
  ENCRYPTION_KEY,
  userEntity,
  INTEGRATION_BODY,
  withDingtalkBackend,
} from './__testUtils__/backend';
import { ours, signedEvent } from './__testUtils__/eventPushes';
import { pluginSuite } from './__testUtils__/pluginSuite';

const integrationBody = INTEGRATION_BODY;

// Linking 45 people by mobile alone takes 45 DingTalk calls at 18 a second.
jest.setTimeout(30_000);

describe('dingtalk backend plugin', () => {
  let emu: EmulatorHandle;
  const databases = pluginSuite(e => (emu = e));

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
});
