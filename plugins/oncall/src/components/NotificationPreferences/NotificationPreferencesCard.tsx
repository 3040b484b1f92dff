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
  FormControlLabel,
  MenuItem,
  Switch,
  TextField,
  Typography,
} from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import type {
  ChannelInfo,
  NotificationPreferences as Prefs,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';

const PAUSES = [
  { label: 'Not paused', hours: 0 },
  { label: '1 hour', hours: 1 },
  { label: '8 hours', hours: 8 },
  { label: '1 day', hours: 24 },
  { label: '1 week', hours: 168 },
];

/**
 * The signed-in person's choice of channels that message them directly, and
 * a pause of all direct messages. Group chats of a rule still get their
 * messages; a person is messaged through one channel per step, the first
 * one they left on.
 */
export function NotificationPreferencesCard() {
  const api = useApi(oncallApiRef);
  const [channels, setChannels] = useState<ChannelInfo[]>();
  const [prefs, setPrefs] = useState<Prefs>();
  const [pause, setPause] = useState(0);
  const [status, setStatus] = useState<{ error: boolean; message: string }>();
  useEffect(() => {
    Promise.all([api.listChannels(), api.getMyPreferences()]).then(
      ([c, p]) => {
        setChannels(c);
        setPrefs(p);
      },
      e => setStatus({ error: true, message: e.message }),
    );
  }, [api]);
  const paused =
    prefs?.pausedUntil && Date.parse(prefs.pausedUntil) > Date.now()
      ? prefs.pausedUntil
      : undefined;
  const save = async (next: Prefs) => {
    try {
      setPrefs(await api.saveMyPreferences(next));
      setStatus({ error: false, message: 'Notification preferences saved' });
    } catch (e) {
      setStatus({ error: true, message: (e as Error).message });
    }
  };
  return (
    <Card data-testid="notification-preferences">
      <CardContent>
        <Typography variant="h6">How on-call reaches me</Typography>
        {channels && prefs && (
          <>
            {channels.map(c => (
              <FormControlLabel
                key={c.id}
                control={
                  <Switch
                    color="primary"
                    checked={prefs.channels[c.id]?.direct !== false}
                    onChange={e =>
                      save({
                        ...prefs,
                        channels: {
                          ...prefs.channels,
                          [c.id]: { direct: e.target.checked },
                        },
                      })
                    }
                  />
                }
                label={`Direct messages on ${c.title}`}
              />
            ))}
            <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
              <TextField
                select
                size="small"
                variant="outlined"
                label="Pause direct messages for"
                value={pause}
                onChange={e => setPause(Number(e.target.value))}
                style={{ minWidth: 200 }}
              >
                {PAUSES.map(p => (
                  <MenuItem key={p.hours} value={p.hours}>
                    {p.label}
                  </MenuItem>
                ))}
              </TextField>
              <Button
                onClick={() =>
                  save({
                    channels: prefs.channels,
                    ...(pause
                      ? {
                          pausedUntil: new Date(
                            Date.now() + pause * 3_600_000,
                          ).toISOString(),
                        }
                      : {}),
                  })
                }
              >
                {pause ? 'Pause' : 'Resume direct messages'}
              </Button>
            </div>
            {paused && (
              <Typography variant="body2">{`Direct messages paused until ${new Date(
                paused,
              ).toLocaleString()}`}</Typography>
            )}
          </>
        )}
        {status && (
          <Typography role="status" color={status.error ? 'error' : 'primary'}>
            {status.message}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}
