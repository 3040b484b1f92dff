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

import { useEffect, useState } from 'react';
import {
  Button,
  Card,
  CardContent,
  IconButton,
  TextField,
  Typography,
} from '@material-ui/core';
import DeleteIcon from '@material-ui/icons/Delete';
import { useApi } from '@backstage/core-plugin-api';
import {
  DingtalkGroupChatPicker,
  PickedGroupChat,
} from '@dingtalk-oncall/backstage-plugin-dingtalk';
import {
  escalationRuleUpsertSchema,
  type EscalationStep,
  type EscalationTarget,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';

interface StepDraft {
  delayMinutes: string;
  people: string;
  groups: PickedGroupChat[];
}

function toSteps(drafts: StepDraft[]): EscalationStep[] {
  return drafts.map(d => {
    const targets: EscalationTarget[] = [];
    for (const ref of d.people.split(/[\s,]+/).filter(Boolean)) {
      const full = ref.includes(':') ? ref : `user:default/${ref}`;
      targets.push({
        type: full.startsWith('group:') ? 'group' : 'user',
        ref: full,
      } as EscalationTarget);
    }
    for (const g of d.groups) {
      targets.push({
        type: 'channel',
        channel: 'dingtalk',
        id: g.openConversationId,
        title: g.title,
        integrationId: g.integrationId,
      });
    }
    return { delayMinutes: Number(d.delayMinutes), targets };
  });
}

function fromSteps(steps: EscalationStep[]): StepDraft[] {
  return steps.map(s => ({
    delayMinutes: String(s.delayMinutes),
    people: s.targets
      .filter(
        (t): t is Extract<EscalationTarget, { ref: string }> =>
          t.type !== 'channel',
      )
      .map(t => t.ref)
      .join(', '),
    groups: s.targets
      .filter(
        (t): t is Extract<EscalationTarget, { type: 'channel' }> =>
          t.type === 'channel' && t.channel === 'dingtalk',
      )
      .map(t => ({
        integrationId: t.integrationId ?? '',
        openConversationId: t.id,
        title: t.title ?? t.id,
      })),
  }));
}

/** Edit a service's escalation rule: steps with a delay, people and DingTalk group chats, and repeats. @public */
export function RuleEditor(props: { serviceRef: string }) {
  const api = useApi(oncallApiRef);
  const [name, setName] = useState('');
  const [repeat, setRepeat] = useState('0');
  const [steps, setSteps] = useState<StepDraft[]>([
    { delayMinutes: '0', people: '', groups: [] },
  ]);
  const [status, setStatus] = useState<{ error: boolean; message: string }>();

  useEffect(() => {
    api.getRule(props.serviceRef).then(
      rule => {
        if (!rule) return;
        setName(rule.name);
        setRepeat(String(rule.repeat ?? 0));
        setSteps(fromSteps(rule.steps));
      },
      e => setStatus({ error: true, message: e.message }),
    );
  }, [api, props.serviceRef]);

  const update = (i: number, patch: Partial<StepDraft>) =>
    setSteps(s => s.map((d, j) => (i === j ? { ...d, ...patch } : d)));

  const save = async () => {
    const body = {
      name: name || props.serviceRef,
      steps: toSteps(steps),
      repeat: Number(repeat),
    };
    const parsed = escalationRuleUpsertSchema.safeParse(body);
    if (!parsed.success) {
      setStatus({
        error: true,
        message: parsed.error.issues
          .map(i => `${i.path.join('.')}: ${i.message}`)
          .join('; '),
      });
      return;
    }
    try {
      await api.saveRule(props.serviceRef, body);
      setStatus({ error: false, message: 'Escalation rule saved' });
    } catch (e) {
      setStatus({ error: true, message: (e as Error).message });
    }
  };

  return (
    <Card data-testid="rule-editor">
      <CardContent>
        <Typography variant="h6">{`Escalation rule for ${props.serviceRef}`}</Typography>
        <TextField
          id="rule-name"
          size="small"
          variant="outlined"
          label="Rule name"
          value={name}
          onChange={e => setName(e.target.value)}
          style={{ margin: '8px 0' }}
        />
        {steps.map((step, i) => (
          <Card
            key={i}
            variant="outlined"
            style={{ margin: '8px 0' }}
            data-testid={`step-${i + 1}`}
          >
            <CardContent>
              <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
                <Typography variant="subtitle1">{`Step ${i + 1}`}</Typography>
                <TextField
                  id={`step-${i + 1}-delay`}
                  size="small"
                  variant="outlined"
                  type="number"
                  label={`Delay (minutes) for step ${i + 1}`}
                  value={step.delayMinutes}
                  onChange={e => update(i, { delayMinutes: e.target.value })}
                />
                <TextField
                  id={`step-${i + 1}-people`}
                  size="small"
                  variant="outlined"
                  label={`People for step ${i + 1}`}
                  placeholder="user:default/alice, group:default/sre"
                  value={step.people}
                  onChange={e => update(i, { people: e.target.value })}
                  style={{ flex: 1 }}
                />
                {steps.length > 1 && (
                  <IconButton
                    aria-label={`Remove step ${i + 1}`}
                    onClick={() => setSteps(s => s.filter((_, j) => j !== i))}
                  >
                    <DeleteIcon />
                  </IconButton>
                )}
              </div>
              <DingtalkGroupChatPicker
                label={`DingTalk group chats for step ${i + 1}`}
                value={step.groups}
                onChange={groups => update(i, { groups })}
              />
            </CardContent>
          </Card>
        ))}
        <Button
          onClick={() =>
            setSteps(s => [...s, { delayMinutes: '5', people: '', groups: [] }])
          }
        >
          Add step
        </Button>
        <TextField
          id="rule-repeat"
          size="small"
          variant="outlined"
          type="number"
          label="Repeat"
          value={repeat}
          onChange={e => setRepeat(e.target.value)}
          helperText="How many more rounds until someone acknowledges"
          style={{ margin: '0 8px' }}
        />
        <Button variant="contained" color="primary" onClick={save}>
          Save rule
        </Button>
        {status && (
          <Typography role="status" color={status.error ? 'error' : 'primary'}>
            {status.message}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}
