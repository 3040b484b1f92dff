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
  Checkbox,
  Chip,
  CircularProgress,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  TextField,
  Typography,
} from '@material-ui/core';
import type { ChannelTarget } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type {
  ChannelTargetPickerProps,
  EscalationChannelTarget,
} from '../pickers';

const PAGE = 20;

const keyOf = (t: { id: string; integrationId?: string }) =>
  `${t.integrationId ?? ''}/${t.id}`;

function toRuleTarget(
  channel: string,
  t: ChannelTarget,
): EscalationChannelTarget {
  return {
    type: 'channel',
    channel,
    id: t.id,
    title: t.title,
    ...(t.integrationId ? { integrationId: t.integrationId } : {}),
  };
}

/**
 * The picker for a channel that contributed none of its own: searches the
 * host's `GET /channels/:id/targets` as you type (on the server, so it stays
 * fast with many targets) and pages on with the cursor the channel returns.
 * @public
 */
export function ChannelTargetSearchPicker(props: ChannelTargetPickerProps) {
  const { channel, listTargets } = props;
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<ChannelTarget[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    // Debounced: the channel does the searching, once per pause in typing.
    const timer = setTimeout(() => {
      listTargets({ query: query || undefined, limit: PAGE })
        .then(page => {
          if (cancelled) return;
          setItems(page.items);
          setCursor(page.nextCursor);
          setError(undefined);
        })
        .catch(e => !cancelled && setError((e as Error).message))
        .finally(() => !cancelled && setLoading(false));
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [listTargets, query]);

  const more = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await listTargets({
        query: query || undefined,
        limit: PAGE,
        cursor,
      });
      setItems(current => [...current, ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  const picked = new Set(props.value.map(keyOf));
  const toggle = (t: ChannelTarget) =>
    props.onChange(
      picked.has(keyOf(t))
        ? props.value.filter(v => keyOf(v) !== keyOf(t))
        : [...props.value, toRuleTarget(channel.id, t)],
    );

  return (
    <div data-testid={`channel-target-picker-${channel.id}`}>
      <Typography variant="subtitle2">{props.label}</Typography>
      <div
        style={{ display: 'flex', flexWrap: 'wrap', gap: 4, margin: '4px 0' }}
      >
        {props.value.map(v => (
          <Chip
            key={keyOf(v)}
            label={v.title ?? v.id}
            onDelete={() =>
              props.onChange(props.value.filter(x => keyOf(x) !== keyOf(v)))
            }
          />
        ))}
      </div>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
        <TextField
          size="small"
          variant="outlined"
          label={`Search ${channel.title} targets`}
          inputProps={{ 'aria-label': `Search ${channel.title} targets` }}
          value={query}
          onChange={e => setQuery(e.target.value)}
        />
        {loading && (
          <CircularProgress
            size={20}
            aria-label={`Loading ${channel.title} targets`}
          />
        )}
      </div>
      {error && (
        <Typography color="error" role="alert">
          {error}
        </Typography>
      )}
      <List dense style={{ maxHeight: 240, overflow: 'auto' }}>
        {items.map(t => (
          <ListItem key={keyOf(t)} button onClick={() => toggle(t)}>
            <ListItemIcon>
              <Checkbox
                edge="start"
                size="small"
                checked={picked.has(keyOf(t))}
                tabIndex={-1}
                disableRipple
                inputProps={{ 'aria-label': t.title }}
              />
            </ListItemIcon>
            <ListItemText
              primary={t.title}
              secondary={
                [
                  t.description,
                  t.available === false ? 'cannot receive messages now' : '',
                ]
                  .filter(Boolean)
                  .join(' · ') || undefined
              }
            />
          </ListItem>
        ))}
        {!loading && !error && items.length === 0 && (
          <ListItem>
            <ListItemText
              secondary={
                query
                  ? `No ${channel.title} target matches "${query}"`
                  : `${channel.title} offers no targets yet`
              }
            />
          </ListItem>
        )}
      </List>
      {cursor && (
        <Button size="small" onClick={more} disabled={loading}>
          Load more
        </Button>
      )}
    </div>
  );
}
