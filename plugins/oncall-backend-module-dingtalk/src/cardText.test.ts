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
import { startOncallWithDingtalk as start } from './__testUtils__/backend';
import { startEmulator } from './__testUtils__/emulator';
import { groupWithCoolApp, onlyCardIn } from './__testUtils__/groups';
import {
  atOnce,
  createWebhook,
  groupTarget,
  putRule,
} from './__testUtils__/oncallApi';

jest.setTimeout(60_000);

// What an attacker holding a webhook token put into an alert.
const EVIL = {
  title: 'Disk full [Click to acknowledge](https://evil.example/ack)',
  description: [
    'Tracking: ![](https://evil.example/t.png)',
    'Call @13800000000 now, or <a href="https://evil.example/x">here</a>',
    '<font color=red>URGENT</font> https://evil.example/bare',
    'Dashboard: https://grafana.example.com/d/disk',
  ].join('\n'),
  labels: { runbook: '[Runbook](https://evil.example/rb)' },
  alertKey: 'evil',
  severity: 'critical',
};

describe('alert text in DingTalk cards', () => {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(() => emu.close());

  it('arrives escaped: no link, image, HTML or @mention it brought, and links only to Backstage and allowed hosts', async () => {
    const { backend, server } = await start(emu, {
      channelConfig: { allowedLinkHosts: ['grafana.example.com'] },
    });
    try {
      const { group } = await groupWithCoolApp(emu, {
        title: 'SRE On-call',
        ownerUserId: 'owner',
        memberUserIds: [],
      });
      await putRule(server, [
        atOnce(groupTarget(group.openConversationId, 'SRE On-call')),
      ]);
      const token = await createWebhook(server, 'evil');
      // The token in the header, not the path: the other way alerts come in.
      await request(server)
        .post('/api/oncall/alerts')
        .set('Authorization', `Bearer ${token}`)
        .send(EVIL)
        .expect(202);

      const card = await onlyCardIn(emu, group.openConversationId);
      const { markdown, title } = card.cardParamMap;
      for (const text of [markdown, title]) {
        expect(text).not.toContain('https://evil.example');
        expect(text).not.toMatch(/!\[|<a |<font|@13800000000/);
      }
      // Still there to read, as text.
      expect(title).toContain('Click to acknowledge');
      expect(markdown).toContain('https［:］//evil.example/bare');
      expect(markdown).toContain('＠13800000000');
      expect(markdown).toContain('**runbook**: ［Runbook］');
      // The allowed host stays a URL; the card's own link is Backstage's.
      expect(markdown).toContain(
        'Dashboard: https://grafana.example.com/d/disk',
      );
      // Every markdown link is the template's own, to Backstage.
      const links = [...markdown.matchAll(/\]\(([^)]*)\)/g)].map(m => m[1]);
      expect(links.length).toBeGreaterThan(0);
      for (const link of links)
        expect(link.startsWith('http://localhost:3000/')).toBe(true);
      const buttons = JSON.parse(card.cardParamMap.actions)
        .map((a: { url?: string }) => a.url)
        .filter(Boolean);
      expect(buttons).toEqual([
        expect.stringMatching(/^http:\/\/localhost:3000\//),
      ]);
      // Nobody was @-mentioned by the alert.
      expect(card.atUserIds).not.toContain('13800000000');
    } finally {
      await backend.stop();
    }
  });
});
