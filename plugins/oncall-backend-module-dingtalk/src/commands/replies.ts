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

/** `user:default/alice` → `alice`: how people are named in chat replies. */
export function who(ref: string | undefined): string {
  if (!ref) return 'someone';
  const m = /^user:(?:default\/)?(.+)$/i.exec(ref);
  return m ? m[1] : ref;
}

export function incidentLink(appBaseUrl: string, id: string): string {
  return `${appBaseUrl.replace(
    /\/+$/,
    '',
  )}/oncall/incidents/${encodeURIComponent(id)}`;
}

/** One line about an incident, as plain text (replies are text messages). */
export function incidentLine(incident: Incident, appBaseUrl: string): string {
  let state = 'triggered';
  if (incident.status === 'acknowledged') {
    state = `acknowledged by ${who(incident.acknowledgedBy)}`;
  } else if (incident.status === 'resolved') {
    state = `resolved by ${who(incident.resolvedBy)}`;
  }
  return `"${incident.title}" (${incident.severity}, ${
    incident.serviceRef
  }) is ${state}${
    incident.assignee ? `, assigned to ${who(incident.assignee)}` : ''
  }${
    incident.snoozedUntil && Date.parse(incident.snoozedUntil) > Date.now()
      ? `, snoozed until ${incident.snoozedUntil}`
      : ''
  }. ${incidentLink(appBaseUrl, incident.id)}`;
}

export const HELP = [
  'Commands (mention me first; in a war room the incident is implied, elsewhere the last incident card in this chat, or add its id):',
  'ack / 确认 · resolve / 解决 · snooze 30m / 暂停 2h · note <text> / 备注 · key <text> / 关键 (a key event)',
  'assign @person / handover / 转交 · escalate / 升级 · status / 状态 · mine / 我的',
  'incident <service> <title> / 故障 <service> <title> declares a new incident',
].join('\n');
