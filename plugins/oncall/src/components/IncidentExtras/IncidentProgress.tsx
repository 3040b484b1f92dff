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

import { Chip, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLinks } from '@backstage/plugin-catalog-react';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import useAsync from 'react-use/esm/useAsync';
import { oncallApiRef } from '../../api/OncallApi';

/** Responders (catalog links) and where the escalation stands. */
export function IncidentProgress(props: { incident: Incident }) {
  const { incident } = props;
  const api = useApi(oncallApiRef);
  // Reloaded whenever the incident changes (a step ran, someone acked).
  const escalation = useAsync(
    () => api.getEscalation(incident.id),
    [api, incident.id, incident.updatedAt],
  );
  const e = escalation.value;
  let progress: string | undefined;
  if (e) {
    const round =
      e.repeat > 0 ? ` (round ${e.round + 1} of ${e.repeat + 1})` : '';
    if (e.state === 'active' && e.nextStep && e.nextStepDueAt) {
      progress = `${e.ruleName}: step ${e.lastStep} of ${
        e.totalSteps
      } ran${round}; step ${e.nextStep} due ${new Date(
        e.nextStepDueAt,
      ).toLocaleString()}`;
      if (e.lastStep === 0) {
        progress = `${e.ruleName}: step 1 of ${e.totalSteps} due ${new Date(
          e.nextStepDueAt,
        ).toLocaleString()}${round}`;
      }
    } else if (e.state === 'done') {
      progress = `${e.ruleName}: all ${e.totalSteps} steps ran`;
    } else {
      progress = `${e.ruleName}: stopped after step ${e.lastStep} of ${e.totalSteps}`;
    }
  }
  return (
    <div data-testid="incident-progress" style={{ margin: '8px 0' }}>
      <Typography variant="subtitle2">Responders</Typography>
      {incident.responders.length ? (
        <EntityRefLinks entityRefs={incident.responders} defaultKind="user" />
      ) : (
        <Typography variant="body2" color="textSecondary">
          Nobody paged yet
        </Typography>
      )}
      {incident.assignee && (
        <Chip
          size="small"
          style={{ marginLeft: 8 }}
          label={`assigned to ${incident.assignee}`}
        />
      )}
      <Typography variant="subtitle2" style={{ marginTop: 8 }}>
        Escalation
      </Typography>
      <Typography variant="body2" data-testid="escalation-progress">
        {escalation.loading
          ? '…'
          : progress ?? 'No escalation rule applied to this incident'}
      </Typography>
    </div>
  );
}
