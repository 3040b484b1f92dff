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
import { createPermission } from '@backstage/plugin-permission-common';

/** @public */
export const oncallIncidentReadPermission = createPermission({
  name: 'oncall.incident.read',
  attributes: { action: 'read' },
});

/** @public */
export const oncallIncidentCreatePermission = createPermission({
  name: 'oncall.incident.create',
  attributes: { action: 'create' },
});

/**
 * The resource type of incidents, for conditional decisions on
 * {@link oncallIncidentUpdatePermission} (rules `isIncidentResponder` and
 * `isServiceOwner`, exported by the oncall-node package).
 * @public
 */
export const RESOURCE_TYPE_ONCALL_INCIDENT = 'oncall-incident';

/**
 * Acknowledge, resolve, reassign, snooze, comment, and open or adopt a war
 * room. A resource permission (the incident id is the resource ref), so a
 * policy can allow it for some incidents only, e.g. those its user responds
 * to or whose service they own.
 * @public
 */
export const oncallIncidentUpdatePermission = createPermission({
  name: 'oncall.incident.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_ONCALL_INCIDENT,
});

/** @public */
export const oncallRuleReadPermission = createPermission({
  name: 'oncall.rule.read',
  attributes: { action: 'read' },
});

/** @public */
export const oncallRuleUpdatePermission = createPermission({
  name: 'oncall.rule.update',
  attributes: { action: 'update' },
});

/** Create, list and delete alert webhook tokens of a service. @public */
export const oncallServiceManagePermission = createPermission({
  name: 'oncall.service.manage',
  attributes: { action: 'update' },
});

/** @public */
export const oncallPermissions = [
  oncallIncidentReadPermission,
  oncallIncidentCreatePermission,
  oncallIncidentUpdatePermission,
  oncallRuleReadPermission,
  oncallRuleUpdatePermission,
  oncallServiceManagePermission,
];
