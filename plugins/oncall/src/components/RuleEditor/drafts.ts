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
  EscalationStep,
  EscalationTarget,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { EscalationChannelTarget } from '@dingtalk-oncall/backstage-plugin-oncall-react';

/** One step as the editor holds it: people, and every channel's targets. */
export interface StepDraft {
  /** Stable across removals, for React keys and per-step state. */
  key: number;
  delayMinutes: string;
  /** User and group entity refs. */
  people: string[];
  /** Targets of every channel, installed or not: never dropped by an edit. */
  channelTargets: EscalationChannelTarget[];
}

let nextKey = 1;

export function newStep(delayMinutes: string): StepDraft {
  return { key: nextKey++, delayMinutes, people: [], channelTargets: [] };
}

export function toSteps(drafts: StepDraft[]): EscalationStep[] {
  return drafts.map(d => ({
    delayMinutes: Number(d.delayMinutes),
    targets: [
      ...d.people.map(
        (ref): EscalationTarget => ({
          type: ref.startsWith('group:') ? 'group' : 'user',
          ref,
        }),
      ),
      ...d.channelTargets,
    ],
  }));
}

export function fromSteps(steps: EscalationStep[]): StepDraft[] {
  return steps.map(s => ({
    key: nextKey++,
    delayMinutes: String(s.delayMinutes),
    people: s.targets.flatMap(t =>
      t.type === 'channel' ? [] : [t.ref.toLocaleLowerCase('en-US')],
    ),
    channelTargets: s.targets.filter(
      (t): t is EscalationChannelTarget => t.type === 'channel',
    ),
  }));
}

/** Replaces one channel's targets of a step, keeping every other channel's. */
export function withChannelTargets(
  all: EscalationChannelTarget[],
  channel: string,
  mine: EscalationChannelTarget[],
): EscalationChannelTarget[] {
  return [
    ...all.filter(t => t.channel !== channel),
    ...mine.map(t => ({ ...t, type: 'channel' as const, channel })),
  ];
}
