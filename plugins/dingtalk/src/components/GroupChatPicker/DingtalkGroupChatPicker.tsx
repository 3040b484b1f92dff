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

import { useEffect, useRef, useState } from 'react';
import {
  Button,
  Chip,
  CircularProgress,
  List,
  ListItem,
  ListItemText,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import { useVirtualizer } from '@tanstack/react-virtual';
import type {
  DingtalkGroupChat,
  DingtalkIntegration,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { dingtalkApiRef } from '../../api/DingtalkApi';

/** A picked group chat. @public */
export interface PickedGroupChat {
  integrationId: string;
  openConversationId: string;
  title: string;
}

/** @public */
export interface DingtalkGroupChatPickerProps {
  value: PickedGroupChat[];
  onChange: (value: PickedGroupChat[]) => void;
  integrationId?: string;
  label?: string;
}

/** The steps of the FAQ: the list is empty until the Cool App is installed in a group. */
const EMPTY_STATE_STEPS = [
  'Open the DingTalk group chat that should receive alerts.',
  'Open the group settings (…), then Cool Apps (酷应用) → Add.',
  'Find your on-call app and install it in the group (if it was installed before, uninstall and install it again).',
  'Come back here and press Refresh.',
];

/**
 * Pick DingTalk group chats where the Cool App is installed: server-side
 * search as you type, a virtualized list (fast with 10,000 groups), chips for
 * what is picked.
 * @public
 */
export function DingtalkGroupChatPicker(props: DingtalkGroupChatPickerProps) {
  const api = useApi(dingtalkApiRef);
  const [integrations, setIntegrations] = useState<DingtalkIntegration[]>([]);
  const [integrationId, setIntegrationId] = useState(props.integrationId ?? '');
  const [q, setQ] = useState('');
  const [items, setItems] = useState<DingtalkGroupChat[]>([]);
  const [total, setTotal] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [reload, setReload] = useState(0);
  const parentRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    api.listIntegrations().then(
      list => {
        setIntegrations(list);
        setIntegrationId(current => current || list[0]?.id || '');
      },
      e => setError(e.message),
    );
  }, [api]);

  useEffect(() => {
    if (!integrationId) return undefined;
    let cancelled = false;
    setLoading(true);
    // debounce keystrokes; the server does the searching
    const timer = setTimeout(() => {
      api
        .listGroups(integrationId, { q: q || undefined, limit: 200 })
        .then(page => {
          if (cancelled) return;
          setItems(page.items);
          setTotal(totalCaption(page));
          setError(undefined);
        })
        .catch(e => !cancelled && setError(e.message))
        .finally(() => !cancelled && setLoading(false));
    }, 100);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, integrationId, q, reload]);

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => 48,
    overscan: 8,
  });
  const picked = new Set(
    props.value.map(v => `${v.integrationId}/${v.openConversationId}`),
  );
  const toggle = (g: DingtalkGroupChat) => {
    const key = `${g.integrationId}/${g.openConversationId}`;
    props.onChange(
      picked.has(key)
        ? props.value.filter(
            v => `${v.integrationId}/${v.openConversationId}` !== key,
          )
        : [
            ...props.value,
            {
              integrationId: g.integrationId,
              openConversationId: g.openConversationId,
              title: g.title,
            },
          ],
    );
  };
  const refresh = async () => {
    if (!integrationId) return;
    setLoading(true);
    try {
      await api.refreshGroups(integrationId);
    } catch (e) {
      setError((e as Error).message);
    }
    setReload(n => n + 1);
  };

  return (
    <div data-testid="dingtalk-group-chat-picker">
      <Typography variant="subtitle2">
        {props.label ?? 'DingTalk group chats'}
      </Typography>
      <div
        style={{ display: 'flex', flexWrap: 'wrap', gap: 4, margin: '4px 0' }}
      >
        {props.value.map(v => (
          <Chip
            key={`${v.integrationId}/${v.openConversationId}`}
            label={v.title}
            onDelete={() => props.onChange(props.value.filter(x => x !== v))}
          />
        ))}
      </div>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
        {!props.integrationId && integrations.length > 1 && (
          <TextField
            id="groupchatpicker-f1"
            select
            size="small"
            variant="outlined"
            label="Integration"
            value={integrationId}
            onChange={e => setIntegrationId(e.target.value as string)}
          >
            {integrations.map(i => (
              <MenuItem key={i.id} value={i.id}>
                {i.name}
              </MenuItem>
            ))}
          </TextField>
        )}
        <TextField
          id="groupchatpicker-f2"
          size="small"
          variant="outlined"
          label="Search group chats"
          value={q}
          onChange={e => setQ(e.target.value)}
          inputProps={{ 'aria-label': 'Search group chats' }}
        />
        <Button onClick={refresh} disabled={!integrationId}>
          Refresh
        </Button>
        {loading && (
          <CircularProgress size={20} aria-label="Loading group chats" />
        )}
      </div>
      {error && (
        <Typography color="error" role="alert">
          {error}
        </Typography>
      )}
      {!loading && !error && integrationId && items.length === 0 && (
        <div role="note">
          <Typography variant="body2">
            {q
              ? `No group chat matches "${q}".`
              : 'No group chats yet: the list shows the groups where your DingTalk Cool App is installed.'}
          </Typography>
          {!q && (
            <ol>
              {EMPTY_STATE_STEPS.map(s => (
                <li key={s}>
                  <Typography variant="body2">{s}</Typography>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
      {!integrationId && !error && integrations.length === 0 && (
        <Typography variant="body2">
          Add a DingTalk integration first.
        </Typography>
      )}
      <div
        ref={parentRef}
        style={{
          maxHeight: 240,
          overflow: 'auto',
          display: items.length ? 'block' : 'none',
        }}
      >
        <List
          dense
          style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
        >
          {(virtualizer.getVirtualItems().length
            ? virtualizer.getVirtualItems()
            : items
                .slice(0, 20)
                .map((_, index) => ({ index, start: index * 48, key: index }))
          ).map(row => {
            const g = items[row.index];
            const selected = picked.has(
              `${g.integrationId}/${g.openConversationId}`,
            );
            return (
              <ListItem
                key={g.openConversationId}
                button
                selected={selected}
                onClick={() => toggle(g)}
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  width: '100%',
                  height: 48,
                  transform: `translateY(${row.start}px)`,
                }}
              >
                <ListItemText
                  primary={g.title}
                  secondary={selected ? 'Selected' : undefined}
                />
              </ListItem>
            );
          })}
        </List>
      </div>
      {total !== undefined && total !== String(items.length) && (
        <Typography variant="caption">{`Showing ${items.length} of ${total}: type to narrow down`}</Typography>
      )}
    </div>
  );
}

/** The count the search answered: exact, or a floor past the count cap. */
function totalCaption(page: {
  total?: number;
  totalAtLeast?: number;
}): string | undefined {
  if (page.total !== undefined) return String(page.total);
  if (page.totalAtLeast !== undefined)
    return `more than ${page.totalAtLeast.toLocaleString()}`;
  return undefined;
}
