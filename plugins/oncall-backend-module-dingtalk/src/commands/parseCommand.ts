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

/**
 * What a person asks the robot in a chat. English and Chinese command
 * words; `@bot` itself is not in the text (DingTalk leaves the robot's
 * \@name out of `text.content`), other \@mentions may be.
 */
export type ChatCommand =
  | { kind: 'ack'; incidentId?: string }
  | { kind: 'resolve'; incidentId?: string }
  | { kind: 'snooze'; minutes: number; incidentId?: string }
  | { kind: 'note'; text: string; incidentId?: string }
  | { kind: 'key'; text: string; incidentId?: string }
  | { kind: 'assign'; incidentId?: string }
  | { kind: 'escalate'; incidentId?: string }
  | { kind: 'status'; incidentId?: string }
  | { kind: 'mine' }
  | { kind: 'declare'; service: string; title: string }
  | { kind: 'help' }
  | { kind: 'unknown'; word: string }
  | { kind: 'invalid'; reason: string };

type Kind = Exclude<ChatCommand['kind'], 'unknown' | 'invalid'>;

const WORDS: Record<string, Kind> = {
  ack: 'ack',
  acknowledge: 'ack',
  确认: 'ack',
  认领: 'ack',
  resolve: 'resolve',
  resolved: 'resolve',
  解决: 'resolve',
  已解决: 'resolve',
  snooze: 'snooze',
  暂停: 'snooze',
  note: 'note',
  备注: 'note',
  key: 'key',
  关键: 'key',
  assign: 'assign',
  handover: 'assign',
  转交: 'assign',
  指派: 'assign',
  escalate: 'escalate',
  升级: 'escalate',
  status: 'status',
  状态: 'status',
  mine: 'mine',
  我的: 'mine',
  incident: 'declare',
  declare: 'declare',
  故障: 'declare',
  help: 'help',
  帮助: 'help',
};

/** Incident ids are UUIDs; `#` in front is allowed. */
const INCIDENT_ID =
  /^#?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const DEFAULT_SNOOZE_MINUTES = 30;
export const MAX_SNOOZE_MINUTES = 24 * 60;

/**
 * `30m`, `2h`, `1h30m`, `45` (minutes), `1d`, `30分钟`, `2小时`, `半小时`;
 * undefined when it is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (s === '半小时') return 30;
  if (/^\d+$/.test(s)) return Number(s);
  const re =
    /\s*(\d+(?:\.\d+)?)\s*(d|day|days|天|h|hr|hrs|hour|hours|小时|个小时|m|min|mins|minute|minutes|分钟|分)/gy;
  let minutes = 0;
  let matched = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    if (/^(d|day|days|天)$/.test(unit)) minutes += n * 1440;
    else if (/^(h|hr|hrs|hour|hours|小时|个小时)$/.test(unit))
      minutes += n * 60;
    else minutes += n;
    matched += m[0].length;
  }
  return matched === s.length && minutes > 0 ? Math.round(minutes) : undefined;
}

export function parseCommand(raw: string): ChatCommand {
  // Leading @mentions (e.g. "@bot" as typed by some clients) are not words.
  const tokens = raw
    .trim()
    .split(/\s+/)
    .filter(t => t.length > 0);
  while (tokens.length && tokens[0].startsWith('@')) tokens.shift();
  if (tokens.length === 0) return { kind: 'help' };
  const word = tokens[0].toLowerCase();
  const kind = WORDS[word];
  if (!kind) return { kind: 'unknown', word: tokens[0] };
  let rest = tokens.slice(1);
  let incidentId: string | undefined;
  const idAt = rest.findIndex(t => INCIDENT_ID.test(t));
  if (idAt >= 0 && kind !== 'declare') {
    incidentId = INCIDENT_ID.exec(rest[idAt])![1].toLowerCase();
    rest = rest.filter((_, i) => i !== idAt);
  }
  const text = rest.join(' ');
  switch (kind) {
    case 'snooze': {
      if (!text) return { kind, minutes: DEFAULT_SNOOZE_MINUTES, incidentId };
      const minutes = parseDuration(text);
      if (!minutes || minutes > MAX_SNOOZE_MINUTES) {
        return {
          kind: 'invalid',
          reason: `"${text}" is not a duration of at most 24 hours (e.g. 30m, 2h, 1h30m, 30分钟)`,
        };
      }
      return { kind, minutes, incidentId };
    }
    case 'note':
    case 'key':
      if (!text) {
        return {
          kind: 'invalid',
          reason: `${word} needs some text, e.g. "${word} rollback started"`,
        };
      }
      return { kind, text, incidentId };
    case 'declare': {
      const [service, ...title] = rest;
      if (!service || title.length === 0) {
        return {
          kind: 'invalid',
          reason: `declare an incident as "${word} <service> <title>", e.g. "incident checkout-api payments time out"`,
        };
      }
      return { kind, service, title: title.join(' ') };
    }
    case 'mine':
    case 'help':
      return { kind };
    default:
      return { kind, incidentId };
  }
}
