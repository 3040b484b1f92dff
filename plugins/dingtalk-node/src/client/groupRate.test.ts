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

// A robot posting too fast into one group (130101, about 20 a minute at
// DingTalk): the client tells it apart from a failure, per group, and does
// not retry into the refusal.
import { TestDatabases } from '@backstage/backend-test-utils';
import { testClient } from '../__testUtils__/client';
import { migratedDatabase } from '../__testUtils__/database';
import { testApp, U1, useEmulator } from '../__testUtils__/emulator';
import { DingtalkApiError, isDingtalkGroupThrottled } from './errors';
import { DingtalkRateLimiter } from './DingtalkRateLimiter';

jest.setTimeout(60_000);

const APP = testApp({
  corpId: 'dinggrouprate',
  appKey: 'dinggrouprateclient',
});

describe('the per-group robot rate (130101)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  const env = useEmulator(APP, emu => {
    emu.control.createUser({ corpId: APP.corpId, ...U1 });
    emu.control.setRobotGroupRate({ perMinute: 2, throttleMs: 60_000 });
  });

  it.each(databases.eachSupportedId())(
    'marks the throttled group flow controlled, leaves other groups alone and does not retry (%p)',
    async databaseId => {
      const { emu } = env;
      const db = await migratedDatabase(databases, databaseId);
      const client = testClient(emu, db, APP, {
        limiter: new DingtalkRateLimiter({ db }),
        sleep: async () => {},
      });
      const group = async (title: string) => {
        const { openConversationId } = emu.control.createGroup({
          corpId: APP.corpId,
          title,
          ownerUserId: 'u1',
          memberUserIds: ['u1'],
        });
        await emu.control.installCoolApp({
          appKey: APP.appKey,
          openConversationId,
        });
        return openConversationId;
      };
      const busy = await group('Busy');
      const quiet = await group('Quiet');
      const card = (n: number, groups: string[]) =>
        client.createAndDeliverCard({
          outTrackId: `card-${n}`,
          cardTemplateId: 'tpl',
          cardParamMap: { title: `Card ${n}` },
          groups,
        });
      for (const n of [1, 2]) {
        const result = await card(n, [busy]);
        expect(result.deliverResults).toEqual([
          expect.objectContaining({ success: true, flowControlled: false }),
        ]);
      }
      // the third post into the busy group: refused there, not elsewhere
      const third = await card(3, [busy, quiet]);
      expect(third.deliverResults).toEqual([
        expect.objectContaining({
          spaceId: busy,
          success: false,
          flowControlled: true,
          errorMsg: expect.stringContaining('130101'),
        }),
        expect.objectContaining({
          spaceId: quiet,
          success: true,
          flowControlled: false,
        }),
      ]);
      // a robot message into the busy group: a flow-control error that
      // names the group's throttle, made once (a retry now is refused too)
      const sent = client
        .sendGroupMessage({
          openConversationId: busy,
          msgKey: 'sampleText',
          msgParam: { content: 'hi' },
        })
        .catch(e => e);
      const error = await sent;
      expect(error).toBeInstanceOf(DingtalkApiError);
      expect(error).toMatchObject({ kind: 'flow-control', code: '130101' });
      expect(isDingtalkGroupThrottled(error)).toBe(true);
      expect(
        emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi[
          'robot.groupMessages.send'
        ],
      ).toBe(1);
      // other refusals are not the group's throttle
      expect(isDingtalkGroupThrottled('robot not in group')).toBe(false);
    },
  );
});
