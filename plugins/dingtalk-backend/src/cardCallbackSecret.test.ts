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
import type { EmulatorHandle } from '@dingtalk-oncall/dingtalk-emulator';
import request from 'supertest';
import {
  APP,
  INTEGRATION_BODY,
  withDingtalkBackend,
  allDeniedOptions,
} from './__testUtils__/backend';
import { emulatorPerTest } from './__testUtils__/emulator';
import {
  CARD,
  clickBody,
  createCardEmulator,
  dingtalkSigned,
  emuApp,
  eventually,
  ROTATE,
  startWithCard,
} from './__testUtils__/cardCallbacks';

jest.setTimeout(60_000);

const RESET_SECRET = 'reset-client-secret-value-0987654321';

/**
 * A click signed with the `old` secret is refused and forwards nothing, and
 * DingTalk's own click (signed with the current secret) is forwarded once.
 */
async function onlyTheNewSecretIsAccepted(
  card: { s: any; clicks: any[]; click: () => Promise<{ status: number }> },
  old: string,
) {
  const withOld = await request(card.s)
    .post(CARD)
    .set(dingtalkSigned(old))
    .send(clickBody());
  expect(withOld.status).toBe(401);
  expect(card.clicks).toEqual([]);
  expect((await card.click()).status).toBe(200);
  expect(card.clicks).toHaveLength(1);
}

describe('the card callback secret', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let emu: EmulatorHandle;
  emulatorPerTest(
    () => createCardEmulator({ skew: 0 }),
    e => (emu = e),
  );

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('rotates on demand: DingTalk gets the new one, the old one is refused', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s, clicks, click } = await startWithCard(emu, knex);
      try {
        const old = emuApp(emu).cardApiSecret!;
        const rotated = await request(s).post(ROTATE).expect(200);
        expect(rotated.body).toEqual({
          integrationId: 'acme',
          rotatedAt: expect.any(String),
        });
        const fresh = emuApp(emu).cardApiSecret!;
        expect(fresh).not.toBe(old);
        expect(JSON.stringify(rotated.body)).not.toContain(fresh);

        // the route answers once the rotation is done: the old secret is refused at once
        await onlyTheNewSecretIsAccepted({ s, clicks, click }, old);
      } finally {
        await backend.stop();
      }
    });

    it('rotates when the Client Secret changes, and not when anything else does', async () => {
      const knex = await databases.init(databaseId);
      const { backend, s, clicks, click, refusedOnceRotated } =
        await startWithCard(emu, knex);
      try {
        const old = emuApp(emu).cardApiSecret!;
        // the app's secret is reset in the DingTalk console, then here
        emu.control.updateApp(APP.appKey, { appSecret: RESET_SECRET });
        await request(s)
          .put('/api/dingtalk/integrations/acme')
          .send({ clientSecret: RESET_SECRET })
          .expect(200);
        await eventually(() => expect(emuApp(emu).cardApiSecret).not.toBe(old));
        await refusedOnceRotated(old);
        await onlyTheNewSecretIsAccepted({ s, clicks, click }, old);

        const current = emuApp(emu).cardApiSecret;
        await request(s)
          .put('/api/dingtalk/integrations/acme')
          .send({ name: 'Acme Corp' })
          .expect(200);
        // re-registered (the integration changed), with the same secret
        await new Promise(r => setTimeout(r, 300));
        expect(emuApp(emu).cardApiSecret).toBe(current);
        expect((await click()).status).toBe(200);
      } finally {
        await backend.stop();
      }
    });
  });

  it('gives a config-declared integration a stored secret, rotated when app-config changes its credentials', async () => {
    const knex = await databases.init('SQLITE_3');
    const first = await startWithCard(emu, knex, {
      configured: INTEGRATION_BODY,
    });
    let old: string;
    try {
      old = emuApp(emu).cardApiSecret!;
      expect((await first.click()).status).toBe(200);
    } finally {
      await first.backend.stop();
    }
    // Restarted with the same config: the same secret.
    const again = await startWithCard(emu, knex, {
      configured: INTEGRATION_BODY,
    });
    try {
      expect(emuApp(emu).cardApiSecret).toBe(old);
      expect((await again.click()).status).toBe(200);
    } finally {
      await again.backend.stop();
    }
    // Restarted with a new Client Secret in app-config: a new secret.
    emu.control.updateApp(APP.appKey, { appSecret: RESET_SECRET });
    const changed = await startWithCard(emu, knex, {
      configured: { ...INTEGRATION_BODY, clientSecret: RESET_SECRET },
    });
    try {
      await eventually(() => expect(emuApp(emu).cardApiSecret).not.toBe(old));
      await changed.refusedOnceRotated(old);
      const withOld = await request(changed.s)
        .post(CARD)
        .set(dingtalkSigned(old))
        .send(clickBody());
      expect(withOld.status).toBe(401);
      expect((await changed.click()).status).toBe(200);
    } finally {
      await changed.backend.stop();
    }
  });

  it('can be rotated only by those allowed to update the integration', async () => {
    const knex = await databases.init('SQLITE_3');
    await withDingtalkBackend(
      { knex, emu, ...allDeniedOptions(emu) },
      async s => {
        await eventually(() => expect(emuApp(emu).cardApiSecret).toBeTruthy());
        const old = emuApp(emu).cardApiSecret;
        const denied = await request(s).post(ROTATE);
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toMatch(
          /dingtalk\.integration\.update/,
        );
        const anonymous = await request(s)
          .post(ROTATE)
          .set('authorization', mockCredentials.none.header());
        expect(anonymous.status).toBe(401);
        expect(emuApp(emu).cardApiSecret).toBe(old);
      },
    );
  });
});
