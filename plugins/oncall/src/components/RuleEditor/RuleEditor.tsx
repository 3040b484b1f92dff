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

import { useCallback, useEffect, useState } from 'react';
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
import { escalationRuleUpsertSchema } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';
import { EntityRefPicker } from '../CatalogPickers';
import { fromSteps, newStep, StepDraft, toSteps } from './drafts';
import { StepChannelTargets } from './StepChannelTargets';
import { useChannelPickers } from './useChannelPickers';

const PEOPLE_KINDS = ['User', 'Group'];

/**
 * Edit a service's escalation rule: steps with a delay, people and teams
 * from the catalog, and the targets of every installed channel (each
 * channel's own picker, or the generic one), and repeats. Targets of every
 * channel survive an edit, installed here or not.
 * @public
 */
export function RuleEditor(props: { serviceRef: string }) {
  const api = useApi(oncallApiRef);
  const pickers = useChannelPickers();
  const [name, setName] = useState('');
  const [repeat, setRepeat] = useState('0');
  // Not edited here, but kept: a save must not drop what the API set.
  const [repeatDelayMinutes, setRepeatDelayMinutes] = useState<number>();
  const [steps, setSteps] = useState<StepDraft[]>(() => [newStep('0')]);
  const [loaded, setLoaded] = useState(false);
  const [unknown, setUnknown] = useState<Record<number, string[]>>({});
  const [status, setStatus] = useState<{ error: boolean; message: string }>();

  useEffect(() => {
    api.getRule(props.serviceRef).then(
      rule => {
        if (rule) {
          setName(rule.name);
          setRepeat(String(rule.repeat ?? 0));
          setRepeatDelayMinutes(rule.repeatDelayMinutes);
          setSteps(fromSteps(rule.steps));
        }
        setLoaded(true);
      },
      e => setStatus({ error: true, message: e.message }),
    );
  }, [api, props.serviceRef]);

  const update = (key: number, patch: Partial<StepDraft>) =>
    setSteps(s => s.map(d => (d.key === key ? { ...d, ...patch } : d)));
  const reportUnknown = useCallback(
    (key: number, refs: string[]) =>
      setUnknown(prev =>
        (prev[key] ?? []).join(',') === refs.join(',')
          ? prev
          : { ...prev, [key]: refs },
      ),
    [],
  );

  const save = async () => {
    const missing = steps.flatMap((s, i) =>
      (unknown[s.key] ?? []).map(
        ref => `step ${i + 1}: ${ref} is not in the catalog`,
      ),
    );
    if (missing.length) {
      setStatus({ error: true, message: missing.join('; ') });
      return;
    }
    const body = {
      name: name || props.serviceRef,
      steps: toSteps(steps),
      repeat: Number(repeat),
      ...(repeatDelayMinutes !== undefined ? { repeatDelayMinutes } : {}),
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
        {pickers.error && (
          <Typography color="error" role="alert">
            {`The channels could not be loaded (${pickers.error.message}); their targets are kept as they are.`}
          </Typography>
        )}
        {steps.map((step, i) => (
          <Card
            key={step.key}
            variant="outlined"
            style={{ margin: '8px 0' }}
            data-testid={`step-${i + 1}`}
          >
            <CardContent>
              <div
                style={{
                  display: 'flex',
                  gap: 8,
                  alignItems: 'center',
                  flexWrap: 'wrap',
                }}
              >
                <Typography variant="subtitle1">{`Step ${i + 1}`}</Typography>
                <TextField
                  id={`step-${i + 1}-delay`}
                  size="small"
                  variant="outlined"
                  type="number"
                  label={`Delay (minutes) for step ${i + 1}`}
                  value={step.delayMinutes}
                  onChange={e =>
                    update(step.key, { delayMinutes: e.target.value })
                  }
                />
                <EntityRefPicker
                  id={`step-${i + 1}-people`}
                  label={`People for step ${i + 1}`}
                  kinds={PEOPLE_KINDS}
                  value={step.people}
                  onChange={people => update(step.key, { people })}
                  onUnknownChange={refs => reportUnknown(step.key, refs)}
                />
                {steps.length > 1 && (
                  <IconButton
                    aria-label={`Remove step ${i + 1}`}
                    onClick={() =>
                      setSteps(s => s.filter(d => d.key !== step.key))
                    }
                  >
                    <DeleteIcon />
                  </IconButton>
                )}
              </div>
              <StepChannelTargets
                stepNo={i + 1}
                pickers={pickers.value}
                value={step.channelTargets}
                onChange={channelTargets =>
                  update(step.key, { channelTargets })
                }
              />
            </CardContent>
          </Card>
        ))}
        <Button onClick={() => setSteps(s => [...s, newStep('5')])}>
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
        <Button
          variant="contained"
          color="primary"
          onClick={save}
          disabled={!loaded}
        >
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
