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
import {
  escalationRuleUpsertSchema,
  formatZodError,
  incidentCreateSchema,
  incidentListQuerySchema,
} from './schemas';
import { oncallPermissions } from './permissions';

describe('schemas', () => {
  it('accepts a rule with user, group and channel targets', () => {
    const rule = escalationRuleUpsertSchema.parse({
      name: 'Primary',
      steps: [
        {
          delayMinutes: 0,
          targets: [
            {
              type: 'channel',
              channel: 'dingtalk',
              id: 'cid',
              title: 'SRE',
              integrationId: 'demo',
            },
          ],
        },
        {
          delayMinutes: 5,
          targets: [
            { type: 'user', ref: 'user:default/alice' },
            { type: 'group', ref: 'group:sre' },
          ],
        },
      ],
    });
    expect(rule.repeat).toBe(0);
  });

  it('explains what is wrong with a rule', () => {
    const result = escalationRuleUpsertSchema.safeParse({
      name: 'x',
      steps: [
        {
          delayMinutes: 1.5,
          targets: [{ type: 'channel', channel: 'DingTalk!', id: '' }],
        },
      ],
      repeat: 11,
    });
    expect(result.success).toBe(false);
    expect(formatZodError((result as any).error, 'Invalid rule')).toBe(
      'Invalid rule: steps.0.delayMinutes: must be an integer; ' +
        'steps.0.targets.0.channel: must be a channel id like "dingtalk"; ' +
        'steps.0.targets.0.id: must not be empty; repeat: must be at most 10',
    );
  });

  it('defaults and validates incident creation', () => {
    expect(
      incidentCreateSchema.parse({
        title: ' t ',
        serviceRef: 'component:default/x',
      }),
    ).toEqual({
      title: 't',
      severity: 'warning',
      serviceRef: 'component:default/x',
    });
    const bad = incidentCreateSchema.safeParse({
      title: 't',
      serviceRef: 'x',
      severity: 'high',
    });
    expect(formatZodError((bad as any).error)).toBe(
      'severity: must be one of critical, warning, info; serviceRef: must be an entity ref like "kind:namespace/name"',
    );
  });

  it('reads list filters from repeated or comma-separated query values', () => {
    expect(
      incidentListQuerySchema.parse({
        status: ['triggered', 'acknowledged,resolved'],
        limit: '10',
      }),
    ).toEqual({
      status: ['triggered', 'acknowledged', 'resolved'],
      limit: 10,
      offset: 0,
    });
    expect(incidentListQuerySchema.safeParse({ severity: 'bad' }).success).toBe(
      false,
    );
  });

  it('lists every permission once', () => {
    expect(oncallPermissions.map(p => p.name)).toEqual([
      'oncall.incident.read',
      'oncall.incident.create',
      'oncall.incident.update',
      'oncall.rule.read',
      'oncall.rule.update',
      'oncall.service.manage',
    ]);
  });
});
