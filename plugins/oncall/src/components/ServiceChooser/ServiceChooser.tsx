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

import { TextField, Typography } from '@material-ui/core';
import { Autocomplete } from '@material-ui/lab';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import useAsync from 'react-use/esm/useAsync';

/** A catalog component as the chooser shows it. */
interface ServiceOption {
  ref: string;
  title: string;
  owner?: string;
}

function toOption(entity: Entity): ServiceOption {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  return {
    ref: stringifyEntityRef(entity),
    title: entity.metadata.title ?? entity.metadata.name,
    owner: typeof owner === 'string' ? owner : undefined,
  };
}

/**
 * Picks the service whose escalation rule is edited, from the catalog's
 * components: a typed ref could name a service that does not exist, and a
 * fresh Backstage has none of the demo's services.
 */
export function ServiceChooser(props: {
  value?: string;
  onChange: (serviceRef: string | undefined) => void;
}) {
  const catalogApi = useApi(catalogApiRef);
  const { value, loading, error } = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'Component' },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.title',
        'spec.owner',
      ],
    });
    return items.map(toOption).sort((a, b) => a.title.localeCompare(b.title));
  }, [catalogApi]);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  const options = value ?? [];
  if (options.length === 0) {
    return (
      <Typography color="textSecondary" data-testid="no-services">
        The catalog has no components yet. Escalation rules belong to a service:
        register a Component entity in the catalog, then choose it here.
      </Typography>
    );
  }
  const selected = options.find(o => o.ref === props.value) ?? null;
  return (
    <Autocomplete
      id="rule-service"
      options={options}
      value={selected}
      onChange={(_e, option) => props.onChange(option?.ref)}
      getOptionLabel={o => o.title}
      getOptionSelected={(a, b) => a.ref === b.ref}
      renderOption={o => (
        <span>
          {o.title}
          <Typography variant="caption" color="textSecondary">
            {' '}
            {o.ref}
            {o.owner ? ` · owner ${o.owner}` : ''}
          </Typography>
        </span>
      )}
      style={{ margin: '8px 0', maxWidth: 480 }}
      renderInput={params => (
        <TextField
          {...params}
          size="small"
          variant="outlined"
          label="Service"
          placeholder="Choose a service from the catalog"
        />
      )}
    />
  );
}
