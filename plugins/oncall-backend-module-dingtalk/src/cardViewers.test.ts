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
  eventually,
  startOncallWithDingtalk as start,
} from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { groupWithCoolApp } from './__testUtils__/groups';
import {
  atOnce,
  groupTarget,
  linkAllByMobile,
  raiseAlert,
} from './__testUtils__/oncallApi';

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
    emu = await startEmulator({ people: ['alice', 'bob', 'carol'] });
  });
  afterEach(() => emu.close());

  it('after a click in a group and after a change made in Backstage', async () => {
    const { backend, server } = await start(emu);
    try {
      const { group } = await groupWithCoolApp(emu, {
        title: 'SRE On-call',
        ownerUserId: 'alice',
        memberUserIds: ['alice', 'bob', 'carol'],
      });
      await linkAllByMobile(server);
      const { id } = await raiseAlert(server, [
        atOnce(groupTarget(group.openConversationId, 'SRE On-call')),
      ]);
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
