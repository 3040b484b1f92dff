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
  Card,
  CardContent,
  List,
  ListItem,
  ListItemText,
  TextField,
  Typography,
} from '@material-ui/core';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';
import { useIncidentChanges } from '../live';
import { IncidentProgress, IncidentWarRoom } from '../IncidentExtras';
import { IncidentDeliveries } from '../IncidentDeliveries';
import { ExportReportButton } from '../IncidentReport/ExportReportButton';

/** One incident: its state, actions and timeline (every notification and its outcome). @public */
export function IncidentDetail(props: { id: string }) {
  const api = useApi(oncallApiRef);
  const [incident, setIncident] = useState<Incident>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState('');
  // Only the latest request's answer is shown (signals refetch in bursts).
  const latest = useRef(0);
  const load = useCallback(() => {
    const request = ++latest.current;
    return api.getIncident(props.id).then(
      i => {
        if (request === latest.current) setIncident(i);
      },
      e => {
        if (request === latest.current) setError(e.message);
      },
    );
  }, [api, props.id]);
  useEffect(() => {
    load();
  }, [load]);
  // Live: refetched within a second of any change to this incident.
  useIncidentChanges(load, s => s.incidentId === props.id);
  const run = (fn: () => Promise<unknown>) =>
    fn().then(
      () => {
        setError(undefined);
        return load();
      },
      e => setError(e.message),
    );
  if (!incident)
    return error ? (
      <Typography color="error">{error}</Typography>
    ) : (
      <Progress />
    );
  return (
    <Card data-testid="incident-detail">
      <CardContent>
        <Typography variant="h5">{incident.title}</Typography>
        <Typography variant="subtitle1" data-testid="incident-status">
          {`${incident.severity} · ${incident.status}${
            incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''
          }${
            incident.resolvedBy ? ` · resolved by ${incident.resolvedBy}` : ''
          }`}
        </Typography>
        <Typography variant="body2">{incident.serviceRef}</Typography>
        {incident.description && (
          <Typography variant="body1" paragraph>
            {incident.description}
          </Typography>
        )}
        <div style={{ display: 'flex', gap: 8, margin: '8px 0' }}>
          {incident.status === 'triggered' && (
            <Button
              variant="contained"
              color="primary"
              onClick={() => run(() => api.act(incident.id, 'acknowledge'))}
            >
              Acknowledge
            </Button>
          )}
          {incident.status !== 'resolved' && (
            <Button
              variant="outlined"
              onClick={() => run(() => api.act(incident.id, 'resolve'))}
            >
              Resolve
            </Button>
          )}
          <ExportReportButton incidentId={incident.id} onError={setError} />
        </div>
        {error && (
          <Typography color="error" role="alert">
            {error}
          </Typography>
        )}
        <IncidentProgress incident={incident} />
        <IncidentWarRoom incident={incident} onChanged={load} />
        <IncidentDeliveries incident={incident} />
        <div style={{ display: 'flex', gap: 8 }}>
          <TextField
            id="incident-comment"
            size="small"
            variant="outlined"
            label="Comment"
            value={note}
            onChange={e => setNote(e.target.value)}
            fullWidth
          />
          <Button
            disabled={!note.trim()}
            onClick={() =>
              run(async () => {
                await api.comment(incident.id, note.trim());
                setNote('');
              })
            }
          >
            Comment
          </Button>
        </div>
        <Typography variant="h6" style={{ marginTop: 16 }}>
          Timeline
        </Typography>
        <List dense data-testid="timeline">
          {(incident.timeline ?? []).map(t => (
            <ListItem key={t.id}>
              <ListItemText
                primary={t.message}
                secondary={`${new Date(t.createdAt).toLocaleString()} · ${
                  t.type
                }${t.actor ? ` · ${t.actor}` : ''}`}
              />
            </ListItem>
          ))}
        </List>
      </CardContent>
    </Card>
  );
}
