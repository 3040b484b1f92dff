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
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import type { DeliveryRecord } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { dingtalkApiRef } from '../../api/DingtalkApi';

const OUTCOMES = [
  '',
  'sent',
  'updated',
  'app not linked',
  'flow controlled',
  'quota exhausted',
  'failed',
  'aggregated',
];

/**
 * Operation records of one integration: who was sent what, and the outcome.
 * `reference` starts the incident filter (e.g. from an incident's link).
 * @public
 */
export function RecordsView(props: {
  integrationId: string;
  reference?: string;
}) {
  const api = useApi(dingtalkApiRef);
  const [outcome, setOutcome] = useState('');
  const [user, setUser] = useState('');
  const [reference, setReference] = useState(props.reference ?? '');
  const [rows, setRows] = useState<DeliveryRecord[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const timer = setTimeout(() => {
      api
        .listRecords({
          integrationId: props.integrationId,
          outcome: outcome || undefined,
          user: user || undefined,
          reference: reference || undefined,
          limit: 200,
        })
        .then(page => {
          setRows(page.items);
          setError(undefined);
        })
        .catch(e => setError(e.message));
    }, 150);
    return () => clearTimeout(timer);
  }, [api, props.integrationId, outcome, user, reference]);
  return (
    <div data-testid="records-view">
      <div style={{ display: 'flex', gap: 8, marginBottom: 8 }}>
        <TextField
          id="recordsview-f1"
          select
          size="small"
          variant="outlined"
          label="Outcome"
          value={outcome}
          onChange={e => setOutcome(e.target.value as string)}
          style={{ minWidth: 180 }}
        >
          {OUTCOMES.map(o => (
            <MenuItem key={o} value={o}>
              {o || 'any'}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          id="recordsview-f2"
          size="small"
          variant="outlined"
          label="User"
          placeholder="user:default/alice"
          value={user}
          onChange={e => setUser(e.target.value)}
        />
        <TextField
          id="recordsview-f3"
          size="small"
          variant="outlined"
          label="Incident"
          value={reference}
          onChange={e => setReference(e.target.value)}
        />
      </div>
      {error && <Typography color="error">{error}</Typography>}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Time</TableCell>
            <TableCell>Recipient</TableCell>
            <TableCell>Outcome</TableCell>
            <TableCell>Incident</TableCell>
            <TableCell>Detail</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map(r => (
            <TableRow key={r.id}>
              <TableCell>{new Date(r.createdAt).toLocaleString()}</TableCell>
              <TableCell>{r.recipient}</TableCell>
              <TableCell>{r.outcome}</TableCell>
              <TableCell>{r.reference ?? ''}</TableCell>
              <TableCell>{r.error ?? r.api ?? ''}</TableCell>
            </TableRow>
          ))}
          {rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={5}>No operation records</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </div>
  );
}
