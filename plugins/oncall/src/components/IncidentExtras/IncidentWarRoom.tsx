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
import { Button, Link, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import type {
  Incident,
  WarRoom,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import useAsync from 'react-use/esm/useAsync';
import { oncallApiRef } from '../../api/OncallApi';

/** Links a channel may give for a room: web pages or a chat client's own scheme. */
const SAFE_LINK = /^(https?:|dingtalk:)/i;

/**
 * War rooms recorded in the timeline: a channel that opens one records an
 * entry whose `data` has the room (`warRoom` or `id`) and its `url`.
 */
function roomsOf(incident: Incident): Array<{ url: string; label: string }> {
  const seen = new Set<string>();
  const rooms: Array<{ url: string; label: string }> = [];
  for (const t of incident.timeline ?? []) {
    const d = t.data as { warRoom?: unknown; url?: unknown } | undefined;
    if (typeof d?.url !== 'string' || !d.warRoom) continue;
    if (!SAFE_LINK.test(d.url) || seen.has(d.url)) continue;
    seen.add(d.url);
    rooms.push({ url: d.url, label: String(d.warRoom) });
  }
  return rooms;
}

/**
 * The incident's war room: its link once opened, and a button per channel
 * that offers war rooms (through the host's `POST /incidents/:id/war-room`,
 * whatever the channel).
 */
export function IncidentWarRoom(props: {
  incident: Incident;
  onChanged?: () => void;
}) {
  const { incident, onChanged } = props;
  const api = useApi(oncallApiRef);
  const channels = useAsync(
    async () =>
      (await api.listChannels()).filter(c => c.capabilities?.warRooms),
    [api],
  );
  const [created, setCreated] = useState<WarRoom>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const rooms = roomsOf(incident);
  if (created?.url && SAFE_LINK.test(created.url)) {
    if (!rooms.some(r => r.url === created.url)) {
      rooms.unshift({ url: created.url, label: created.title });
    }
  }
  const withRooms = channels.value ?? [];
  const open = async (channel: string) => {
    setBusy(true);
    try {
      setCreated(await api.createWarRoom(incident.id, channel));
      setError(undefined);
      onChanged?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="incident-war-room" style={{ margin: '8px 0' }}>
      {rooms.map(r => (
        <Typography key={r.url} variant="body2">
          War room:{' '}
          <Link href={r.url} target="_blank" rel="noopener noreferrer">
            {r.url}
          </Link>
        </Typography>
      ))}
      {created && !created.url && (
        <Typography role="status">{`War room created: ${created.title}`}</Typography>
      )}
      {incident.status !== 'resolved' &&
        withRooms.map(c => (
          <Button
            key={c.id}
            variant="outlined"
            disabled={busy}
            onClick={() => open(c.id)}
            style={{ marginRight: 8 }}
          >
            {withRooms.length > 1
              ? `Create war room in ${c.title}`
              : 'Create war room'}
          </Button>
        ))}
      {error && (
        <Typography color="error" role="alert">
          {error}
        </Typography>
      )}
    </div>
  );
}
