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

import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Button,
  Chip,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';
import { useIncidentChanges } from '../live';

const COLORS: Record<string, string> = {
  critical: '#f5222d',
  warning: '#fa8c16',
  info: '#1677ff',
};

/** Incidents with filters by status, severity and service; acknowledge and resolve in place. @public */
export function IncidentList(props: {
  serviceRef?: string;
  basePath?: string;
}) {
  const api = useApi(oncallApiRef);
  const [status, setStatus] = useState('triggered,acknowledged');
  const [severity, setSeverity] = useState('');
  const [service, setService] = useState(props.serviceRef ?? '');
  const [items, setItems] = useState<Incident[]>([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string>();
  // Signals can trigger refetches close together; only the latest request's
  // answer is shown, so a slow older answer cannot undo a newer one.
  const latest = useRef(0);
  const load = useCallback(() => {
    const request = ++latest.current;
    return api
      .listIncidents({
        status: status || undefined,
        severity: severity || undefined,
        serviceRef: service || undefined,
        limit: 200,
      })
      .then(
        list => {
          if (request !== latest.current) return;
          setItems(list.items);
          setTotal(list.totalCount);
          setError(undefined);
        },
        e => {
          if (request === latest.current) setError(e.message);
        },
      );
  }, [api, status, severity, service]);
  useEffect(() => {
    const t = setTimeout(load, 150);
    return () => clearTimeout(t);
  }, [load]);
  // Live: any change to an incident (a DingTalk click, the API, another
  // tab, another replica) refetches the list; the entity tab only cares
  // about its own service.
  const { live } = useIncidentChanges(
    load,
    props.serviceRef ? s => s.serviceRef === props.serviceRef : undefined,
  );
  const act = (id: string, action: 'acknowledge' | 'resolve') =>
    api.act(id, action).then(load, e => setError(e.message));
  const base = props.basePath ?? '/oncall';
  return (
    <div data-testid="incident-list" data-live={live ? 'true' : 'false'}>
      <div style={{ display: 'flex', gap: 8, marginBottom: 8 }}>
        <TextField
          id="filter-status"
          select
          size="small"
          variant="outlined"
          label="Status"
          value={status}
          onChange={e => setStatus(e.target.value as string)}
          style={{ minWidth: 200 }}
        >
          <MenuItem value="triggered,acknowledged">Open</MenuItem>
          <MenuItem value="triggered">Triggered</MenuItem>
          <MenuItem value="acknowledged">Acknowledged</MenuItem>
          <MenuItem value="resolved">Resolved</MenuItem>
          <MenuItem value="">All</MenuItem>
        </TextField>
        <TextField
          id="filter-severity"
          select
          size="small"
          variant="outlined"
          label="Severity"
          value={severity}
          onChange={e => setSeverity(e.target.value as string)}
          style={{ minWidth: 140 }}
        >
          <MenuItem value="">Any</MenuItem>
          <MenuItem value="critical">Critical</MenuItem>
          <MenuItem value="warning">Warning</MenuItem>
          <MenuItem value="info">Info</MenuItem>
        </TextField>
        {!props.serviceRef && (
          <TextField
            id="filter-service"
            size="small"
            variant="outlined"
            label="Service"
            placeholder="component:default/checkout-api"
            value={service}
            onChange={e => setService(e.target.value)}
          />
        )}
      </div>
      {error && (
        <Typography color="error" role="alert">
          {error}
        </Typography>
      )}
      <Typography variant="caption">{`${total} incident(s)`}</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Severity</TableCell>
            <TableCell>Title</TableCell>
            <TableCell>Service</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Started</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map(i => (
            <TableRow key={i.id}>
              <TableCell>
                <Chip
                  size="small"
                  label={i.severity}
                  style={{ background: COLORS[i.severity], color: '#fff' }}
                />
              </TableCell>
              <TableCell>
                <Link to={`${base}/incidents/${encodeURIComponent(i.id)}`}>
                  {i.title}
                </Link>
              </TableCell>
              <TableCell>{i.serviceRef}</TableCell>
              <TableCell>
                {i.status}
                {i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}
              </TableCell>
              <TableCell>{new Date(i.createdAt).toLocaleString()}</TableCell>
              <TableCell>
                {i.status === 'triggered' && (
                  <Button size="small" onClick={() => act(i.id, 'acknowledge')}>
                    Acknowledge
                  </Button>
                )}
                {i.status !== 'resolved' && (
                  <Button size="small" onClick={() => act(i.id, 'resolve')}>
                    Resolve
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
          {items.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>No incidents</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
    </div>
  );
}
