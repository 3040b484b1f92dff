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

import { useEffect, useMemo, useState } from 'react';
import { Chip, TextField, Typography } from '@material-ui/core';
import { Autocomplete } from '@material-ui/lab';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';

/** A catalog user or group as the picker shows it. */
export interface EntityOption {
  ref: string;
  title: string;
  kind: string;
}

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'spec.profile.displayName',
];

function toOption(entity: Entity): EntityOption {
  const profile = (entity.spec as { profile?: { displayName?: unknown } })
    ?.profile;
  const displayName =
    typeof profile?.displayName === 'string' ? profile.displayName : undefined;
  return {
    ref: stringifyEntityRef(entity).toLocaleLowerCase('en-US'),
    title: displayName ?? entity.metadata.title ?? entity.metadata.name,
    kind: entity.kind,
  };
}

/**
 * People and teams from the catalog, found as you type (the catalog's full
 * text search). Refs already in a rule that the catalog does not have are
 * shown as such and reported through `onUnknownChange`, so the editor can
 * refuse to save a rule that would page nobody.
 */
export function EntityRefPicker(props: {
  id: string;
  label: string;
  kinds: string[];
  value: string[];
  onChange: (refs: string[]) => void;
  onUnknownChange?: (unknown: string[]) => void;
}) {
  const catalogApi = useApi(catalogApiRef);
  const { value, onUnknownChange } = props;
  const [input, setInput] = useState('');
  const [options, setOptions] = useState<EntityOption[]>([]);
  const [known, setKnown] = useState<Map<string, EntityOption>>(new Map());
  const [unknown, setUnknown] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const kinds = props.kinds.join(',');

  // What the refs in the value are: names to show, or not in the catalog.
  const missing = value.filter(r => !known.has(r));
  const missingKey = missing.join(',');
  useEffect(() => {
    if (!missingKey) return undefined;
    let cancelled = false;
    const refs = missingKey.split(',');
    catalogApi
      .getEntitiesByRefs({ entityRefs: refs, fields: FIELDS })
      .then(({ items }) => {
        if (cancelled) return;
        const found = new Map<string, EntityOption>();
        const notFound: string[] = [];
        items.forEach((e, i) =>
          e ? found.set(refs[i], toOption(e)) : notFound.push(refs[i]),
        );
        setKnown(k => new Map([...k, ...found]));
        setUnknown(u => [...new Set([...u, ...notFound])]);
      })
      .catch(e => !cancelled && setError((e as Error).message));
    return () => {
      cancelled = true;
    };
  }, [catalogApi, missingKey]);

  const unknownInValue = useMemo(
    () => value.filter(r => unknown.includes(r)),
    [value, unknown],
  );
  const unknownKey = unknownInValue.join(',');
  useEffect(() => {
    onUnknownChange?.(unknownKey ? unknownKey.split(',') : []);
  }, [unknownKey, onUnknownChange]);

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      catalogApi
        .queryEntities({
          filter: { kind: kinds.split(',') },
          fullTextFilter: input.trim()
            ? {
                term: input.trim(),
                fields: [
                  'metadata.name',
                  'metadata.title',
                  'spec.profile.displayName',
                ],
              }
            : undefined,
          fields: FIELDS,
          limit: 20,
        })
        .then(({ items }) => {
          if (cancelled) return;
          const list = items.map(toOption);
          setOptions(list);
          setKnown(k => new Map([...k, ...list.map(o => [o.ref, o] as const)]));
          setError(undefined);
        })
        .catch(e => !cancelled && setError((e as Error).message));
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [catalogApi, kinds, input]);

  const selected: EntityOption[] = value.map(
    ref => known.get(ref) ?? { ref, title: ref, kind: '' },
  );
  return (
    <div style={{ flex: 1, minWidth: 280 }}>
      <Autocomplete
        id={props.id}
        multiple
        options={options}
        value={selected}
        filterOptions={o => o}
        inputValue={input}
        onInputChange={(_e, v, reason) => reason !== 'reset' && setInput(v)}
        onChange={(_e, picked) => {
          props.onChange(picked.map(p => p.ref));
          setInput('');
        }}
        getOptionLabel={o => o.title}
        getOptionSelected={(a, b) => a.ref === b.ref}
        renderOption={o => (
          <span>
            {o.title}
            <Typography variant="caption" color="textSecondary">
              {' '}
              {o.ref}
            </Typography>
          </span>
        )}
        renderTags={(tags, getTagProps) =>
          tags.map((o, index) => {
            const isUnknown = unknown.includes(o.ref);
            return (
              <Chip
                {...getTagProps({ index })}
                key={o.ref}
                size="small"
                color={isUnknown ? 'secondary' : 'default'}
                label={isUnknown ? `${o.ref} (not in the catalog)` : o.title}
                title={o.ref}
              />
            );
          })
        }
        renderInput={params => (
          <TextField
            {...params}
            size="small"
            variant="outlined"
            label={props.label}
            placeholder="Type a name"
          />
        )}
      />
      {error && (
        <Typography color="error" variant="caption" role="alert">
          {error}
        </Typography>
      )}
    </div>
  );
}
