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
import type {
  DingtalkAccountLink,
  DingtalkLinkSource,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { dingtalkApiRef, LinkedUserRow } from '../../api/DingtalkApi';

/** How each kind of link reads in the table. */
const LINK_SOURCES: Record<DingtalkLinkSource, string> = {
  sync: 'Organisation sync',
  'sign-in': 'DingTalk sign-in',
  h5: 'H5 page',
  mobile: 'Mobile match',
  admin: 'Admin',
};

/** All / linked / unlinked Backstage users of an integration, with unlink and one-click link by mobile. @public */
export function LinkedUsers(props: { integrationId: string }) {
  const api = useApi(dingtalkApiRef);
  const [filter, setFilter] = useState<'all' | 'linked' | 'unlinked'>('all');
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<LinkedUserRow[]>([]);
  const [message, setMessage] = useState<string>();
  const load = useCallback(
    () =>
      api
        .listLinks({
          integrationId: props.integrationId,
          filter,
          q: q || undefined,
        })
        .then(
          r => setRows(r.items),
          e => setMessage(e.message),
        ),
    [api, props.integrationId, filter, q],
  );
  useEffect(() => {
    const t = setTimeout(load, 150);
    return () => clearTimeout(t);
  }, [load]);
  const linkAll = async () => {
    try {
      const r = await api.linkAllByMobile(props.integrationId);
      setMessage(
        `Linked ${r.linked.length}; not found in DingTalk: ${r.notFound.length}; skipped (already linked or no mobile): ${r.skipped.length}`,
      );
      await load();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <div data-testid="linked-users">
      <div style={{ display: 'flex', gap: 8, marginBottom: 8 }}>
        <TextField
          id="linkedusers-f1"
          select
          size="small"
          variant="outlined"
          label="Show"
          value={filter}
          onChange={e => setFilter(e.target.value as any)}
        >
          <MenuItem value="all">All</MenuItem>
          <MenuItem value="linked">Linked</MenuItem>
          <MenuItem value="unlinked">Unlinked</MenuItem>
        </TextField>
        <TextField
          id="linkedusers-f2"
          size="small"
          variant="outlined"
          label="Search users"
          value={q}
          onChange={e => setQ(e.target.value)}
        />
        <Button variant="outlined" onClick={linkAll}>
          Link everyone by mobile
        </Button>
      </div>
      {message && <Typography role="status">{message}</Typography>}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>User</TableCell>
            <TableCell>DingTalk user</TableCell>
            <TableCell>Linked by</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map(r => (
            <TableRow key={r.userEntityRef}>
              <TableCell>
                {r.displayName
                  ? `${r.displayName} (${r.userEntityRef})`
                  : r.userEntityRef}
              </TableCell>
              <TableCell>
                {r.dingtalkUserId ?? 'not linked'}
                {r.conflictsWith?.length ? (
                  // Not used for messages or clicks until only one claims it.
                  <Typography variant="body2" color="error">
                    {`Conflict: also claimed by ${r.conflictsWith.join(', ')}`}
                  </Typography>
                ) : null}
              </TableCell>
              <TableCell>{r.source ? LINK_SOURCES[r.source] : ''}</TableCell>
              <TableCell>
                {/* A sync link is the catalog's: it goes when the person leaves DingTalk. */}
                {r.dingtalkUserId && r.source !== 'sync' && (
                  <Button
                    size="small"
                    onClick={() =>
                      api
                        .unlink(props.integrationId, r.userEntityRef)
                        .then(load, e => setMessage(e.message))
                    }
                  >
                    Unlink
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

/** The signed-in person's DingTalk links, with unlink. @public */
export function AccountLinkCard() {
  const api = useApi(dingtalkApiRef);
  const [links, setLinks] = useState<DingtalkAccountLink[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(
    () => api.myLinks().then(setLinks, e => setError(e.message)),
    [api],
  );
  useEffect(() => {
    load();
  }, [load]);
  return (
    <div data-testid="account-link-card">
      <Typography variant="h6">Your DingTalk account</Typography>
      {error && <Typography color="error">{error}</Typography>}
      {links?.length === 0 && (
        <Typography variant="body2">
          Not linked. Open the app from DingTalk's workbench once and sign in to
          link it.
        </Typography>
      )}
      {links?.map(l => (
        <Typography key={l.integrationId} variant="body2">
          {`${l.integrationId}: linked to DingTalk user ${
            l.name ?? l.dingtalkUserId
          }${l.source ? ` (${LINK_SOURCES[l.source]})` : ''} `}
          {l.source !== 'sync' && (
            <Button
              size="small"
              onClick={() =>
                api
                  .unlink(l.integrationId, l.userEntityRef)
                  .then(load, e => setError(e.message))
              }
            >
              Unlink
            </Button>
          )}
        </Typography>
      ))}
    </div>
  );
}
