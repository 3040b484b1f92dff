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

import { Grid, TextField } from '@material-ui/core';
import {
  DINGTALK_EDITIONS,
  DingtalkEdition,
  DingtalkIntegration,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';

const KEYS = [
  { key: 'limits.qps', field: 'qps', label: 'QPS per API (override)' },
  {
    key: 'limits.monthlyQuota',
    field: 'monthlyQuota',
    label: 'Monthly API quota (override)',
  },
] as const;

/** The form values of an integration's limits override ('' = the edition's). */
export function limitsValues(i?: DingtalkIntegration): Record<string, string> {
  return Object.fromEntries(
    KEYS.map(k => [k.key, String(i?.limits?.[k.field] ?? '')]),
  );
}

/**
 * The `limits` of the request body: the numbers typed (a non-number stays in
 * for the schema to refuse); `{}` when both are empty, which goes back to the
 * edition's table.
 */
export function limitsBody(values: Record<string, string>) {
  const limits: Record<string, number> = {};
  for (const k of KEYS) {
    const v = (values[k.key] ?? '').trim();
    if (v !== '') limits[k.field] = Number(v);
  }
  return limits;
}

/**
 * Two fields that correct the edition's limits for this integration, e.g.
 * when DingTalk revised its table or extra call volume was bought.
 */
export function LimitsFields(props: {
  values: Record<string, string>;
  errors: Record<string, string>;
  edition: string;
  readOnly: boolean;
  onChange: (key: string, value: string) => void;
}) {
  const table =
    DINGTALK_EDITIONS[props.edition as DingtalkEdition] ??
    DINGTALK_EDITIONS.standard;
  const defaults = {
    qps: `${table.qps}`,
    monthlyQuota: table.monthlyQuota.toLocaleString(),
  };
  return (
    <>
      {KEYS.map(k => (
        <Grid item xs={12} md={6} key={k.key}>
          <TextField
            fullWidth
            variant="outlined"
            size="small"
            id={`dingtalk-${k.key.replace('.', '-')}`}
            label={k.label}
            inputMode="numeric"
            disabled={props.readOnly}
            value={props.values[k.key] ?? ''}
            placeholder={defaults[k.field]}
            onChange={e => props.onChange(k.key, e.target.value)}
            error={!!props.errors[k.key]}
            helperText={
              props.errors[k.key] ||
              `Empty: the edition's ${
                defaults[k.field]
              }. Set it when DingTalk's current table or a purchase says otherwise.`
            }
          />
        </Grid>
      ))}
    </>
  );
}
