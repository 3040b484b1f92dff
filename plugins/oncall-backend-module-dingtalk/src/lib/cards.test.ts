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

import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { digestCard, incidentCard, LIMITS, render } from './cards';

const incident: Incident = {
  id: 'inc-1',
  title: 'Disk full',
  description: 'db-1 at 95%',
  severity: 'critical',
  status: 'triggered',
  serviceRef: 'component:default/db',
  labels: { host: 'db-1' },
  alertCount: 1,
  responders: ['user:default/alice'],
  createdAt: '2026-11-24T03:00:00Z',
  updatedAt: '2026-11-24T03:00:00Z',
};

describe('incident cards', () => {
  it('shows severity, service, labels, the link, and the buttons for the status', () => {
    const card = incidentCard({
      incident,
      appBaseUrl: 'https://bs.example.com/',
    });
    expect(card.title).toBe('[CRITICAL] Disk full');
    expect(card.markdown).toContain('**Service:** component:default/db');
    expect(card.markdown).toContain('**host**: db-1');
    expect(card.cardParamMap.link).toBe(
      'https://bs.example.com/oncall/incidents/inc-1',
    );
    expect(card.actions.map(a => a.label)).toEqual([
      'Acknowledge',
      'Resolve',
      'Snooze 30m',
      'Snooze 1h',
      'Snooze 4h',
      'Details',
    ]);
    const resolved = incidentCard({
      incident: { ...incident, status: 'resolved' },
      appBaseUrl: '',
      warRoomUrl: 'dingtalk://room',
    });
    expect(resolved.actions.map(a => a.id)).toEqual(['war-room', 'open']);
  });

  it('uses a custom template, and falls back to the default one when it fails to render', () => {
    expect(
      incidentCard({
        incident,
        appBaseUrl: '',
        template: 'Only {{title}} on {{service}}',
      }).markdown,
    ).toBe('Only Disk full on component:default/db');
    const broken = incidentCard({
      incident,
      appBaseUrl: '',
      template: 'Hello {{nosuchfield}}',
    });
    expect(broken.fallback).toContain('{{nosuchfield}}');
    expect(broken.markdown).toContain('**Service:** component:default/db');
    expect(() => render('{{x}}', {})).toThrow('unknown template field {{x}}');
  });

  it('cuts long text to DingTalk limits instead of failing', () => {
    const long = incidentCard({
      incident: {
        ...incident,
        title: 'x'.repeat(500),
        description: 'y'.repeat(20_000),
      },
      appBaseUrl: '',
    });
    expect(long.title.length).toBe(LIMITS.title);
    expect(long.title.endsWith('…')).toBe(true);
    expect(long.markdown.length).toBe(LIMITS.markdown);
  });

  it('keeps card buttons on Backstage, allowed hosts and DingTalk links; escapes titles in digests', () => {
    const room = (warRoomUrl: string, allowedLinkHosts?: string[]) =>
      incidentCard({
        incident,
        appBaseUrl: 'https://bs.example.com',
        warRoomUrl,
        allowedLinkHosts,
      }).actions.find(a => a.id === 'war-room')?.url;
    expect(room('https://evil.example/room')).toBeUndefined();
    expect(room(['javascript', 'alert(1)'].join(':'))).toBeUndefined();
    expect(room('https://rooms.example.com/1', ['rooms.example.com'])).toBe(
      'https://rooms.example.com/1',
    );
    expect(room('dingtalk://dingtalkclient/page/link?x=1')).toBe(
      'dingtalk://dingtalkclient/page/link?x=1',
    );
    const digest = digestCard(
      [{ ...incident, title: 'x](https://evil.example) [y' }],
      'https://bs',
    );
    expect(digest.markdown).not.toContain('https://evil.example');
    expect(digest.markdown).toContain(
      '[x］(https［:］//evil.example) ［y](https://bs/oncall/incidents/inc-1)',
    );
  });

  it('lists incidents in a digest card', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      ...incident,
      id: `inc-${i}`,
      title: `Alert ${i}`,
    }));
    const digest = digestCard(many, 'https://bs');
    expect(digest.title).toBe('25 new incidents (digest)');
    expect(digest.markdown).toContain(
      '[Alert 0](https://bs/oncall/incidents/inc-0)',
    );
    expect(digest.markdown).toContain('…and 5 more');
  });
});
