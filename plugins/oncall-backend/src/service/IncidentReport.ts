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

/** Timeline entries worth a summary: notes, key chat messages and the status changes. */
export function highlights(timeline: TimelineEntry[]): TimelineEntry[] {
  return timeline.filter(
    e =>
      e.type === 'note' ||
      (e.type === 'chat-message' && e.data?.keyEvent === true) ||
      e.type === 'acknowledged' ||
      e.type === 'resolved' ||
      e.type === 'reassigned',
  );
}

export function durationMinutes(incident: Incident): number | undefined {
  if (!incident.resolvedAt) return undefined;
  return Math.max(
    0,
    Math.round(
      (Date.parse(incident.resolvedAt) - Date.parse(incident.createdAt)) /
        60_000,
    ),
  );
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/**
 * Markdown as text: `& < >` become entities (no HTML) and every character
 * that could make a link, an image, emphasis, a heading or a table is
 * backslash-escaped, so alert and chat
 * text renders as what was written.
 */
export function mdText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, c => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/**
 * The post-incident report (`GET /incidents/:id/report.md`): what happened,
 * who acknowledged and resolved, how long it took, the highlights and the
 * whole timeline, as Markdown for a wiki or a postmortem document.
 */
export function incidentReport(
  incident: Incident,
  timeline: TimelineEntry[],
): string {
  const minutes = durationMinutes(incident);
  const lines = [
    `# Post-incident report: ${mdText(incident.title)}`,
    '',
    `- **Service:** ${mdText(incident.serviceRef)}`,
    `- **Severity:** ${incident.severity}`,
    `- **Status:** ${incident.status}`,
    `- **Opened:** ${incident.createdAt}`,
    ...(incident.acknowledgedAt
      ? [
          `- **Acknowledged:** ${incident.acknowledgedAt} by ${mdText(
            incident.acknowledgedBy ?? 'someone',
          )}`,
        ]
      : []),
    ...(incident.resolvedAt
      ? [
          `- **Resolved:** ${incident.resolvedAt} by ${mdText(
            incident.resolvedBy ?? 'someone',
          )}`,
        ]
      : []),
    ...(minutes !== undefined
      ? [`- **Duration:** ${formatDuration(minutes)}`]
      : []),
    `- **Responders:** ${incident.responders.map(mdText).join(', ') || 'none'}`,
    '',
  ];
  if (incident.description) {
    lines.push('## Description', '', mdText(incident.description), '');
  }
  const keys = highlights(timeline);
  lines.push('## Highlights', '');
  if (keys.length === 0) lines.push('None recorded.');
  for (const e of keys) lines.push(`- ${e.createdAt} ${entryText(e)}`);
  lines.push(
    '',
    '## Timeline',
    '',
    '| Time | What | Who |',
    '| --- | --- | --- |',
  );
  for (const e of timeline) {
    lines.push(
      `| ${e.createdAt} | ${entryText(e)} | ${mdText(e.actor ?? '')} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

function entryText(e: TimelineEntry): string {
  const kind =
    e.type === 'chat-message' && e.data?.keyEvent
      ? 'key event'
      : e.type.replace(/-/g, ' ');
  return `**${kind}** ${mdText(e.message)}`;
}
