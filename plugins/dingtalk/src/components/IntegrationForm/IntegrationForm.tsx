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

import { useState } from 'react';
import {
  Button,
  Grid,
  IconButton,
  MenuItem,
  TextField,
  Tooltip,
  Typography,
} from '@material-ui/core';
import FileCopyIcon from '@material-ui/icons/FileCopy';
import { useApi } from '@backstage/core-plugin-api';
import {
  DINGTALK_EDITIONS,
  DingtalkIntegration,
  integrationCreateSchema,
  integrationUpdateSchema,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { dingtalkApiRef } from '../../api/DingtalkApi';
import { LimitsFields, limitsBody, limitsValues } from './LimitsFields';

type Values = Record<string, string>;

const SECRETS = ['clientSecret', 'aesKey', 'token'] as const;

/** In the order of the DingTalk developer console's steps. */
const FIELDS: Array<{
  key: string;
  label: string;
  hint: string;
  secret?: boolean;
  section?: string;
}> = [
  {
    key: 'name',
    label: 'Name',
    hint: 'How this DingTalk app is called in Backstage',
  },
  {
    key: 'corpId',
    label: 'CorpId',
    hint: 'Console: avatar menu (top right) → CorpId',
    section: '1. Organisation',
  },
  {
    key: 'agentId',
    label: 'AgentId',
    hint: 'App → Credentials and Basic Information',
    section: '2. App credentials',
  },
  {
    key: 'clientId',
    label: 'Client ID',
    hint: 'App → Credentials and Basic Information (AppKey)',
  },
  {
    key: 'clientSecret',
    label: 'Client Secret',
    hint: 'App → Credentials and Basic Information (AppSecret)',
    secret: true,
  },
  {
    key: 'aesKey',
    label: 'aes_key',
    hint: 'Development Configuration → Events and Callbacks → Encryption aes_key',
    secret: true,
    section: '3. Event subscription',
  },
  {
    key: 'token',
    label: 'Signature Token',
    hint: 'Development Configuration → Events and Callbacks → Signature Token',
    secret: true,
  },
  {
    key: 'warRoom.templateId',
    label: 'Template ID',
    hint: 'Open Capability → Scene Group → group template (optional, for war rooms)',
    section: '4. War room (optional)',
  },
  {
    key: 'warRoom.botId',
    label: 'Bot ID',
    hint: 'Open Capability → Scene Group → group bot (not the app bot)',
  },
];

const URL_HINTS: Array<{
  key: keyof DingtalkIntegration['urls'];
  label: string;
  hint: string;
}> = [
  {
    key: 'eventSubscriptionUrl',
    label: 'Event Subscription Request URL',
    hint: 'Development Configuration → Event Subscription → Request URL (HTTP push)',
  },
  {
    key: 'coolAppWebUrl',
    label: 'Cool App Web URL',
    hint: 'Cool App → Functional design → Group Quick Access, desktop and mobile address',
  },
  {
    key: 'homepageUrl',
    label: 'Application Homepage URL',
    hint: 'Application Capability → Web Application → Application Homepage URL',
  },
  {
    key: 'pcHomepageUrl',
    label: 'PC Homepage URL',
    hint: 'Application Capability → Web Application → PC Homepage URL',
  },
  {
    key: 'robotMessageUrl',
    label: 'Robot Message Receiving URL',
    hint: "Robot → Message receiving mode HTTP → message receiving URL, for the app's robot and for the war-room template's group bot (both signed with the Client Secret); not needed in Stream mode",
  },
];

function toBody(values: Values, editing: boolean) {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (k.startsWith('warRoom.') || k.startsWith('limits.')) continue;
    // write-only secrets: left empty while editing means "keep"
    if (editing && (SECRETS as readonly string[]).includes(k) && !v) continue;
    if (v !== '') body[k] = v.trim();
  }
  body.warRoom = {
    ...(values['warRoom.templateId']
      ? { templateId: values['warRoom.templateId'].trim() }
      : {}),
    ...(values['warRoom.botId']
      ? { botId: values['warRoom.botId'].trim() }
      : {}),
  };
  body.limits = limitsBody(values);
  return body;
}

/** Create or edit a DingTalk integration; secrets are write-only. @public */
export function IntegrationForm(props: {
  integration?: DingtalkIntegration;
  onSaved?: (i: DingtalkIntegration) => void;
  /** A message to show from the start: "Saved" when the page swapped a new integration's form for its own. */
  notice?: string;
}) {
  const api = useApi(dingtalkApiRef);
  const existing = props.integration;
  const readOnly = existing?.source === 'config';
  const [values, setValues] = useState<Values>(() => ({
    name: existing?.name ?? '',
    corpId: existing?.corpId ?? '',
    agentId: existing?.agentId ?? '',
    clientId: existing?.clientId ?? '',
    clientSecret: '',
    aesKey: '',
    token: '',
    'warRoom.templateId': existing?.warRoom.templateId ?? '',
    'warRoom.botId': existing?.warRoom.botId ?? '',
    edition: existing?.edition ?? 'standard',
    transport: existing?.transport ?? 'http',
    ...limitsValues(existing),
  }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<
    { severity: 'error' | 'ok'; message: string } | undefined
  >(props.notice ? { severity: 'ok', message: props.notice } : undefined);
  const [saved, setSaved] = useState<DingtalkIntegration | undefined>(existing);
  const [busy, setBusy] = useState(false);

  const validate = (next: Values) => {
    const schema = saved ? integrationUpdateSchema : integrationCreateSchema;
    const result = schema.safeParse(toBody(next, !!saved));
    const found: Record<string, string> = {};
    if (!result.success) {
      for (const issue of result.error.issues) {
        const key = issue.path.join('.');
        if (!found[key]) found[key] = issue.message;
      }
    }
    return found;
  };

  const change = (key: string, value: string) => {
    const next = { ...values, [key]: value };
    setValues(next);
    // inline validation of the field being typed in
    const found = validate(next);
    setErrors(e => ({
      ...e,
      [key]: next[key] === '' && !found[key] ? '' : found[key] ?? '',
    }));
  };

  const save = async () => {
    const found = validate(values);
    setErrors(found);
    if (Object.values(found).some(Boolean)) {
      setStatus({ severity: 'error', message: 'Fix the fields marked in red' });
      return;
    }
    setBusy(true);
    try {
      const body = toBody(values, !!saved);
      const result = saved
        ? await api.updateIntegration(saved.id, body as any)
        : await api.createIntegration(body as any);
      setSaved(result);
      // the secrets are gone from the page once saved; the backend keeps them
      setValues(v => ({ ...v, clientSecret: '', aesKey: '', token: '' }));
      setStatus({ severity: 'ok', message: 'Saved' });
      props.onSaved?.(result);
    } catch (e) {
      setStatus({ severity: 'error', message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const test = async () => {
    if (!saved) return;
    setBusy(true);
    try {
      const result = await api.testIntegration(saved.id);
      setStatus({
        severity: result.ok ? 'ok' : 'error',
        message: result.message,
      });
    } catch (e) {
      setStatus({ severity: 'error', message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Grid container spacing={2} data-testid="integration-form">
      {readOnly && (
        <Grid item xs={12}>
          <Typography variant="body2">
            This integration is declared in app-config and is read-only here.
          </Typography>
        </Grid>
      )}
      {FIELDS.map(f => (
        <Grid item xs={12} md={6} key={f.key}>
          {f.section && (
            <Typography variant="overline" display="block">
              {f.section}
            </Typography>
          )}
          <TextField
            fullWidth
            variant="outlined"
            size="small"
            id={`dingtalk-${f.key}`}
            label={f.label}
            type={f.secret ? 'password' : 'text'}
            autoComplete="off"
            disabled={readOnly}
            value={values[f.key]}
            placeholder={
              f.secret && saved?.secrets[f.key as (typeof SECRETS)[number]]
                ? 'Set (type to replace)'
                : undefined
            }
            InputLabelProps={f.secret && saved ? { shrink: true } : undefined}
            onChange={e => change(f.key, e.target.value)}
            error={!!errors[f.key]}
            helperText={
              errors[f.key] ||
              (f.secret && saved?.secrets[f.key as (typeof SECRETS)[number]]
                ? `Set · ${f.hint}`
                : f.hint)
            }
          />
        </Grid>
      ))}
      <Grid item xs={12} md={6}>
        <TextField
          select
          fullWidth
          variant="outlined"
          size="small"
          id="dingtalk-edition"
          label="Edition"
          disabled={readOnly}
          value={values.edition}
          onChange={e => change('edition', e.target.value as string)}
          helperText="Sets the QPS limit and the monthly API quota"
        >
          {Object.entries(DINGTALK_EDITIONS).map(([k, e]) => (
            <MenuItem key={k} value={k}>
              {`${e.title} — ${e.monthlyQuota.toLocaleString()} calls/month, ${
                e.qps
              } QPS`}
            </MenuItem>
          ))}
        </TextField>
      </Grid>
      <Grid item xs={12} md={6}>
        <TextField
          select
          fullWidth
          variant="outlined"
          size="small"
          id="dingtalk-transport"
          label="Event transport"
          disabled={readOnly}
          value={values.transport}
          onChange={e => change('transport', e.target.value as string)}
          helperText="HTTP push needs a public URL; Stream mode does not"
        >
          <MenuItem value="http">HTTP push</MenuItem>
          <MenuItem value="stream">Stream mode</MenuItem>
        </TextField>
      </Grid>
      <LimitsFields
        values={values}
        errors={errors}
        edition={values.edition}
        readOnly={readOnly}
        onChange={change}
      />
      <Grid item xs={12}>
        {!readOnly && (
          <Button
            variant="contained"
            color="primary"
            onClick={save}
            disabled={busy}
          >
            Save
          </Button>
        )}{' '}
        <Button variant="outlined" onClick={test} disabled={busy || !saved}>
          Test credentials
        </Button>{' '}
        {status && (
          <Typography
            component="span"
            role="status"
            color={status.severity === 'error' ? 'error' : 'primary'}
          >
            {status.message}
          </Typography>
        )}
      </Grid>
      {saved && (
        <Grid item xs={12}>
          <Typography variant="h6">
            Paste into the DingTalk developer console
          </Typography>
          {URL_HINTS.map(u => (
            <div
              key={u.key}
              style={{
                display: 'flex',
                alignItems: 'center',
                gap: 8,
                margin: '8px 0',
              }}
            >
              <TextField
                fullWidth
                size="small"
                variant="outlined"
                label={u.label}
                value={saved.urls[u.key]}
                helperText={u.hint}
                InputProps={{ readOnly: true }}
              />
              <Tooltip title={`Copy ${u.label}`}>
                <IconButton
                  aria-label={`Copy ${u.label}`}
                  onClick={() =>
                    navigator.clipboard?.writeText(saved.urls[u.key])
                  }
                >
                  <FileCopyIcon />
                </IconButton>
              </Tooltip>
            </div>
          ))}
        </Grid>
      )}
    </Grid>
  );
}
