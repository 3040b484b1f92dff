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

import {
  Button,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef, EntityRefLink } from '@backstage/plugin-catalog-react';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import useAsync from 'react-use/esm/useAsync';
import { oncallApiRef } from '../../api/OncallApi';

/**
 * Every catalog component with its on-call setup: its rule, open incidents
 * and webhooks; choosing one opens its rule and webhooks below.
 */
export function ServicesOverview(props: {
  selected?: string;
  onSelect: (serviceRef: string) => void;
}) {
  const catalogApi = useApi(catalogApiRef);
  const api = useApi(oncallApiRef);
  const { value, loading, error } = useAsync(async () => {
    const [{ items }, summaries] = await Promise.all([
      catalogApi.getEntities({
        filter: { kind: 'Component' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'spec.owner',
        ],
      }),
      api.listServices(),
    ]);
    const byRef = new Map(summaries.map(s => [s.serviceRef, s]));
    return items
      .map(e => {
        const ref = stringifyEntityRef(e).toLocaleLowerCase('en-US');
        const owner = (e.spec as { owner?: unknown } | undefined)?.owner;
        return {
          ref,
          title: e.metadata.title ?? e.metadata.name,
          owner: typeof owner === 'string' ? owner : undefined,
          summary: byRef.get(ref),
        };
      })
      .sort((a, b) => a.title.localeCompare(b.title));
  }, [catalogApi, api]);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.length) return null;
  return (
    <Table size="small" data-testid="services-overview">
      <TableHead>
        <TableRow>
          <TableCell>Service</TableCell>
          <TableCell>Owner</TableCell>
          <TableCell>Escalation rule</TableCell>
          <TableCell>Open incidents</TableCell>
          <TableCell>Webhooks</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {value.map(s => (
          <TableRow
            key={s.ref}
            selected={s.ref === props.selected}
            data-testid={`service-${s.ref}`}
          >
            <TableCell>
              <EntityRefLink entityRef={s.ref} title={s.title} />
            </TableCell>
            <TableCell>
              {s.owner ? (
                // Owners are written short ("sre"): a group in the default namespace.
                <EntityRefLink
                  entityRef={parseEntityRef(s.owner, {
                    defaultKind: 'group',
                    defaultNamespace: 'default',
                  })}
                />
              ) : (
                ''
              )}
            </TableCell>
            <TableCell>
              {s.summary?.rule ? (
                `${s.summary.rule.name} (${s.summary.rule.steps} step${
                  s.summary.rule.steps === 1 ? '' : 's'
                })`
              ) : (
                <Typography variant="body2" color="textSecondary">
                  none
                </Typography>
              )}
            </TableCell>
            <TableCell>{s.summary?.openIncidents ?? 0}</TableCell>
            <TableCell>{s.summary?.webhooks ?? 0}</TableCell>
            <TableCell>
              <Button
                size="small"
                aria-label={`Set up ${s.title}`}
                onClick={() => props.onSelect(s.ref)}
              >
                Set up
              </Button>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
