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

import type {
  Incident,
  TimelineEntry,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { highlights, incidentReport } from './IncidentReport';

const incident: Incident = {
  id: 'i-1',
  title: 'Checkout [down](https://evil.example.com) <img src=x>',
  severity: 'critical',
  status: 'resolved',
  serviceRef: 'component:default/checkout-api',
  labels: {},
  alertCount: 1,
  responders: ['user:default/alice'],
  acknowledgedBy: 'user:default/alice',
  acknowledgedAt: '2026-11-24T03:05:00.000Z',
  resolvedBy: 'user:default/bob',
  resolvedAt: '2026-11-24T04:35:00.000Z',
  createdAt: '2026-11-24T03:00:00.000Z',
  updatedAt: '2026-11-24T04:35:00.000Z',
};
const entry = (
  type: string,
  message: string,
  data?: Record<string, unknown>,
): TimelineEntry => ({
  id: message,
  incidentId: 'i-1',
  type,
  message,
  actor: 'user:default/bob',
  data,
  createdAt: '2026-11-24T03:10:00.000Z',
});

describe('incidentReport', () => {
  const timeline = [
    entry('notification', 'card sent'),
    entry('chat-message', 'Message from bob: looking'),
    entry('chat-message', 'Key event from bob: DB failover', {
      keyEvent: true,
    }),
    entry('note', 'rollback started'),
  ];

  it('has the facts, the duration and the highlights (notes and key events)', () => {
    const md = incidentReport(incident, timeline);
    expect(md).toContain('- **Duration:** 1 h 35 min');
    expect(md).toContain(
      '- **Acknowledged:** 2026-11-24T03:05:00.000Z by user:default/alice',
    );
    expect(highlights(timeline).map(e => e.message)).toEqual([
      'Key event from bob: DB failover',
      'rollback started',
    ]);
    expect(md).toMatch(
      /## Highlights\n\n- .*\*\*key event\*\* Key event from bob: DB failover/,
    );
    expect(md).toMatch(/\| \*\*notification\*\* card sent \|/);
  });

  it('keeps untrusted text as text: no link, image or HTML can be added', () => {
    const md = incidentReport(incident, timeline);
    expect(md).not.toContain('[down](');
    expect(md).not.toContain('<img');
    expect(md).toContain(
      'Checkout \\[down\\]\\(https://evil\\.example\\.com\\) &lt;img src=x&gt;',
    );
  });
});
