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

import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  alertmanager,
  APP,
  eventually,
  SERVICE,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';

// A loaded machine starts the backends slowly and delivers late: generous
// waits, the same assertions.
jest.setTimeout(120_000);
const WAIT_MS = 30_000;

// DingTalk keeps a card's public data apart from what each person sees: the
// card data of a callback's reply re-renders the clicker's card only, and
// everyone else's changes only through the update API (the emulator models
// this: control.cardView). Every status change must reach every viewer.
describe('every viewer of an incident card sees every status change', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp({ ...APP, edition: 'standard' });
    for (const [userId, mobile] of [
      ['alice', '13800000001'],
      ['bob', '13800000002'],
      ['carol', '13800000003'],
    ])
      emu.control.createUser({
        corpId: APP.corpId,
        userId,
        name: userId,
        mobile,
      });
  });
  afterEach(() => emu.close());

  it('after a click in a group and after a change made in Backstage', async () => {
    const { backend, server } = await start(emu);
    try {
      const group = emu.control.createGroup({
        corpId: APP.corpId,
        title: 'SRE On-call',
        ownerUserId: 'alice',
        memberUserIds: ['alice', 'bob', 'carol'],
      });
      await emu.control.installCoolApp({
        appKey: APP.appKey,
        openConversationId: group.openConversationId,
      });
      await request(server)
        .post('/api/dingtalk/integrations/demo/links/link-all-by-mobile')
        .expect(200);
      await request(server)
        .put(`/api/oncall/services/${encodeURIComponent(SERVICE)}/rule`)
        .send({
          name: 'Checkout',
          steps: [
            {
              delayMinutes: 0,
              targets: [
                {
                  type: 'channel',
                  channel: 'dingtalk',
                  id: group.openConversationId,
                  title: 'SRE On-call',
                  integrationId: 'demo',
                },
              ],
            },
          ],
        })
        .expect(200);
      const hook = await request(server)
        .post(`/api/oncall/services/${encodeURIComponent(SERVICE)}/webhooks`)
        .send({ name: 'alertmanager' })
        .expect(201);
      const fired = await request(server)
        .post(`/api/oncall/alerts/${hook.body.token}`)
        .send(alertmanager('firing'))
        .expect(202);
      const id = fired.body.results[0].incidentId;
      // The card is at DingTalk before the module has recorded it (and a
      // click before that finds no card to update for the others): wait for
      // the delivery in the timeline, which is written after both.
      await eventually(async () => {
        const { body } = await request(server).get(
          `/api/oncall/incidents/${id}`,
        );
        expect(
          body.timeline.filter((t: any) => t.data?.outcome === 'sent'),
        ).toHaveLength(1);
      }, WAIT_MS);
      expect(
        emu.control.cards({ openConversationId: group.openConversationId }),
      ).toHaveLength(1);
      const card = emu.control.cards({
        openConversationId: group.openConversationId,
      })[0];
      const viewers = emu.control.cardViewers({ outTrackId: card.outTrackId });
      expect(viewers).toEqual(
        expect.arrayContaining(['alice', 'bob', 'carol']),
      );
      const statuses = () =>
        viewers.map(
          userId =>
            emu.control.cardView({ outTrackId: card.outTrackId, userId })
              .status,
        );
      expect(statuses().every(s => s === 'triggered')).toBe(true);

      // bob acknowledges from the group's card
      const click = await emu.control.clickCardButton({
        outTrackId: card.outTrackId,
        userId: 'bob',
        actionId: 'acknowledge',
      });
      expect(click.status).toBe(200);
      await eventually(
        () => expect(statuses()).toEqual(viewers.map(() => 'acknowledged')),
        WAIT_MS,
      );

      // resolved in Backstage: the card changes for everyone, bob included
      const resolved = await request(server)
        .post(`/api/oncall/incidents/${id}/resolve`)
        .send({});
      expect(resolved.status).toBeLessThan(300);
      await eventually(
        () => expect(statuses()).toEqual(viewers.map(() => 'resolved')),
        WAIT_MS,
      );
    } finally {
      await backend.stop();
    }
  });
});
