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
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import { CopyTextButton } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type {
  CreatedWebhookToken,
  WebhookToken,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { oncallApiRef } from '../../api/OncallApi';
import { WebhookExamples } from './WebhookExamples';

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '');

/**
 * A service's alert webhooks: create, rename, rotate and delete them, the
 * token shown once (after create and rotate) with copy-ready examples, and
 * when each last received an alert.
 */
export function ServiceWebhooks(props: { serviceRef: string }) {
  const { serviceRef } = props;
  const api = useApi(oncallApiRef);
  const [items, setItems] = useState<WebhookToken[]>();
  const [alertsUrl, setAlertsUrl] = useState('');
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<CreatedWebhookToken>();
  const [renaming, setRenaming] = useState<{ id: string; name: string }>();
  const [deleting, setDeleting] = useState<string>();
  const [error, setError] = useState<string>();

  const load = useCallback(
    () =>
      api.listWebhooks(serviceRef).then(
        list => {
          setItems(list);
          setError(undefined);
        },
        e => setError(e.message),
      ),
    [api, serviceRef],
  );
  useEffect(() => {
    load();
    api.getBaseUrl().then(base => setAlertsUrl(`${base}/alerts`));
  }, [api, load]);

  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
    await load();
  };

  return (
    <Card data-testid="service-webhooks">
      <CardContent>
        <Typography variant="h6">Alert webhooks</Typography>
        <Typography variant="body2" color="textSecondary" paragraph>
          {`Alerts sent here open incidents of ${serviceRef}: POST ${
            alertsUrl || '…/api/oncall/alerts'
          } with the webhook's token as Authorization: Bearer.`}
        </Typography>
        {fresh && (
          <div
            data-testid="webhook-token"
            style={{
              border: '1px solid',
              borderRadius: 4,
              padding: 8,
              margin: '8px 0',
            }}
          >
            <Typography variant="subtitle2">
              {`Token of "${fresh.name}": copy it now, it is shown only once`}
            </Typography>
            <div style={{ display: 'flex', alignItems: 'center', gap: 4 }}>
              <code data-testid="webhook-token-value">{fresh.token}</code>
              <CopyTextButton text={fresh.token} aria-label="Copy token" />
            </div>
            <WebhookExamples alertsUrl={alertsUrl} token={fresh.token} />
            <Button size="small" onClick={() => setFresh(undefined)}>
              Done, hide the token
            </Button>
          </div>
        )}
        {items && items.length > 0 && (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Token</TableCell>
                <TableCell>Created</TableCell>
                <TableCell>Last alert received</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map(w => (
                <TableRow key={w.id} data-testid={`webhook-${w.name}`}>
                  <TableCell>
                    {renaming?.id === w.id ? (
                      <TextField
                        id={`webhook-rename-${w.id}`}
                        size="small"
                        label={`New name for ${w.name}`}
                        value={renaming.name}
                        onChange={e =>
                          setRenaming({ id: w.id, name: e.target.value })
                        }
                      />
                    ) : (
                      w.name
                    )}
                  </TableCell>
                  <TableCell>
                    <code>{`${w.tokenPrefix}…`}</code>
                    {w.rotatedAt && (
                      <Typography variant="caption" display="block">
                        {`rotated ${when(w.rotatedAt)}`}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{`${when(w.createdAt)}${
                    w.createdBy ? ` by ${w.createdBy}` : ''
                  }`}</TableCell>
                  <TableCell>
                    {w.lastUsedAt ? when(w.lastUsedAt) : 'No alert yet'}
                  </TableCell>
                  <TableCell align="right" style={{ whiteSpace: 'nowrap' }}>
                    {renaming?.id === w.id ? (
                      <Button
                        size="small"
                        onClick={() =>
                          run(async () => {
                            await api.renameWebhook(
                              serviceRef,
                              w.id,
                              renaming.name,
                            );
                            setRenaming(undefined);
                          })
                        }
                      >
                        Save name
                      </Button>
                    ) : (
                      <Button
                        size="small"
                        aria-label={`Rename ${w.name}`}
                        onClick={() => setRenaming({ id: w.id, name: w.name })}
                      >
                        Rename
                      </Button>
                    )}
                    <Button
                      size="small"
                      aria-label={`Rotate the token of ${w.name}`}
                      onClick={() =>
                        run(async () =>
                          setFresh(await api.rotateWebhook(serviceRef, w.id)),
                        )
                      }
                    >
                      Rotate token
                    </Button>
                    {deleting === w.id ? (
                      <Button
                        size="small"
                        color="secondary"
                        onClick={() =>
                          run(async () => {
                            await api.deleteWebhook(serviceRef, w.id);
                            setDeleting(undefined);
                            // Its token is worthless now: stop showing it.
                            setFresh(f => (f?.id === w.id ? undefined : f));
                          })
                        }
                      >
                        {`Really delete ${w.name}`}
                      </Button>
                    ) : (
                      <Button
                        size="small"
                        aria-label={`Delete ${w.name}`}
                        onClick={() => setDeleting(w.id)}
                      >
                        Delete
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {items && items.length === 0 && !fresh && (
          <Typography variant="body2">
            No webhook yet: create one and point your alerting at it.
          </Typography>
        )}
        <div
          style={{
            display: 'flex',
            gap: 8,
            alignItems: 'center',
            margin: '8px 0',
          }}
        >
          <TextField
            id="webhook-name"
            size="small"
            variant="outlined"
            label="Webhook name"
            placeholder="alertmanager"
            value={name}
            onChange={e => setName(e.target.value)}
          />
          <Button
            variant="outlined"
            color="primary"
            disabled={!name.trim()}
            onClick={() =>
              run(async () => {
                setFresh(await api.createWebhook(serviceRef, name.trim()));
                setName('');
              })
            }
          >
            Create webhook
          </Button>
        </div>
        {!fresh && alertsUrl && items && items.length > 0 && (
          <WebhookExamples alertsUrl={alertsUrl} />
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
