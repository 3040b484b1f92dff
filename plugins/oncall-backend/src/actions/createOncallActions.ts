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

import type {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { oncallIncidentUpdatePermission } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import type { IncidentService } from '../service/IncidentService';
import { actorOf } from '../service/routes/helpers';

/**
 * Incident actions for the actions registry (and MCP clients): the same
 * transitions as `POST /incidents/:id/acknowledge|resolve`, through the same
 * IncidentService, behind the same permission, recorded with the same audit
 * event and attributed to whoever invoked the action.
 */
export function createOncallActions(deps: {
  actionsRegistry: ActionsRegistryService;
  permissions: PermissionsService;
  auditor: AuditorService;
  incidents: IncidentService;
}) {
  const { actionsRegistry, permissions, auditor, incidents } = deps;

  async function transition(
    actionType: 'acknowledge' | 'resolve',
    credentials: BackstageCredentials,
    input: { incidentId: string; note?: string },
  ): Promise<Incident> {
    // The registry only requires a signed-in caller; the REST route's
    // permission decides what they may do.
    const [decision] = await permissions.authorize(
      [
        {
          permission: oncallIncidentUpdatePermission,
          resourceRef: input.incidentId,
        },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed: ${oncallIncidentUpdatePermission.name}`,
      );
    }
    const actor = actorOf(credentials);
    const event = await auditor.createEvent({
      eventId: 'incident-mutate',
      severityLevel: 'medium',
      meta: { actionType, incidentId: input.incidentId, actor, via: 'actions' },
    });
    try {
      const incident =
        actionType === 'acknowledge'
          ? await incidents.acknowledge(input.incidentId, actor, input.note)
          : await incidents.resolve(input.incidentId, actor, input.note);
      await event.success();
      return incident;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  const summary = (i: Incident) => ({
    id: i.id,
    title: i.title,
    status: i.status,
    severity: i.severity,
    serviceRef: i.serviceRef,
    acknowledgedBy: i.acknowledgedBy ?? undefined,
    resolvedBy: i.resolvedBy ?? undefined,
    updatedAt: i.updatedAt,
  });

  const register = (
    actionType: 'acknowledge' | 'resolve',
    title: string,
    description: string,
  ) =>
    actionsRegistry.register({
      name: `${actionType}-incident`,
      title,
      description,
      attributes: { readOnly: false, idempotent: false, destructive: false },
      schema: {
        input: z =>
          z.object({
            incidentId: z.string().min(1).max(64).describe('The incident id'),
            note: z
              .string()
              .max(2000)
              .optional()
              .describe('Why; kept on the incident timeline'),
          }),
        output: z =>
          z.object({
            incident: z.object({
              id: z.string(),
              title: z.string(),
              status: z.string(),
              severity: z.string(),
              serviceRef: z.string(),
              acknowledgedBy: z.string().optional(),
              resolvedBy: z.string().optional(),
              updatedAt: z.string(),
            }),
          }),
      },
      action: async ({ input, credentials }) => ({
        output: {
          incident: summary(await transition(actionType, credentials, input)),
        },
      }),
    });

  register(
    'acknowledge',
    'Acknowledge an on-call incident',
    'Acknowledges a triggered incident as the caller: escalation stops paging further steps and the notifications ' +
      'already sent (e.g. DingTalk cards) show who acknowledged. Fails with a conflict if the incident is not triggered.',
  );
  register(
    'resolve',
    'Resolve an on-call incident',
    'Resolves an open (triggered or acknowledged) incident as the caller: escalation stops and the notifications ' +
      'already sent show it resolved.',
  );
}
