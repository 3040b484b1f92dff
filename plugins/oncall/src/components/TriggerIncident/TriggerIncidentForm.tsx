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
  Card,
  CardContent,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  incidentCreateSchema,
  SEVERITIES,
  type Incident,
  type Severity,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';

/** Opens an incident for a service by hand; its rule pages as for an alert. */
export function TriggerIncidentForm(props: {
  serviceRef: string;
  /** Where an incident's page is, e.g. `/oncall/incidents/:id`. */
  incidentLink?: (id: string) => string;
}) {
  const api = useApi(oncallApiRef);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [severity, setSeverity] = useState<Severity>('warning');
  const [created, setCreated] = useState<Incident>();
  const [error, setError] = useState<string>();
  const submit = async () => {
    const input = {
      title,
      severity,
      serviceRef: props.serviceRef,
      ...(description.trim() ? { description } : {}),
    };
    const parsed = incidentCreateSchema.safeParse(input);
    if (!parsed.success) {
      setError(
        parsed.error.issues
          .map(i => `${i.path.join('.')}: ${i.message}`)
          .join('; '),
      );
      return;
    }
    try {
      setCreated(await api.createIncident(input));
      setError(undefined);
      setTitle('');
      setDescription('');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Card data-testid="trigger-incident">
      <CardContent>
        <Typography variant="h6">{`Trigger an incident for ${props.serviceRef}`}</Typography>
        <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
          <TextField
            id="trigger-title"
            size="small"
            variant="outlined"
            label="Incident title"
            value={title}
            onChange={e => setTitle(e.target.value)}
            style={{ flex: 1, minWidth: 240 }}
          />
          <TextField
            id="trigger-severity"
            select
            size="small"
            variant="outlined"
            label="Severity"
            value={severity}
            onChange={e => setSeverity(e.target.value as Severity)}
          >
            {SEVERITIES.map(s => (
              <MenuItem key={s} value={s}>
                {s}
              </MenuItem>
            ))}
          </TextField>
        </div>
        <TextField
          id="trigger-description"
          size="small"
          variant="outlined"
          label="Description"
          multiline
          fullWidth
          value={description}
          onChange={e => setDescription(e.target.value)}
          style={{ margin: '8px 0' }}
        />
        <Button
          variant="contained"
          color="secondary"
          disabled={!title.trim()}
          onClick={submit}
        >
          Trigger incident
        </Button>
        {created && (
          <Typography role="status">
            {'Incident opened: '}
            {props.incidentLink ? (
              <Link to={props.incidentLink(created.id)}>{created.title}</Link>
            ) : (
              created.title
            )}
          </Typography>
        )}
        {error && (
          <Typography color="error" role="alert">
            {error}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}
