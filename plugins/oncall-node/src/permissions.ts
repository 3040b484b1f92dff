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
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  type Incident,
  RESOURCE_TYPE_ONCALL_INCIDENT,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';

/**
 * An incident as the permission rules see it: the incident, and the owners
 * of its service as the catalog has them (owner entity refs, lower case).
 * @public
 */
export interface OncallIncidentResource {
  incident: Incident;
  serviceOwnerRefs: string[];
}

/** @public */
export const oncallIncidentPermissionResourceRef = createPermissionResourceRef<
  OncallIncidentResource,
  never
>().with({ pluginId: 'oncall', resourceType: RESOURCE_TYPE_ONCALL_INCIDENT });

const lower = (s: string) => s.toLocaleLowerCase('en-US');

/**
 * A rule's params schema as a Standard Schema with its JSON Schema (what the
 * permission framework asks for), written out: the params are one field, and
 * this package then needs no particular zod version.
 */
function paramsSchema<T extends Record<string, string | string[]>>(
  field: keyof T & string,
  type: 'string' | 'string[]',
  description: string,
) {
  const json = {
    type: 'object',
    properties: {
      [field]:
        type === 'string'
          ? { type: 'string', description }
          : { type: 'array', items: { type: 'string' }, description },
    },
    required: [field],
    additionalProperties: false,
  };
  const valid = (v: unknown) =>
    type === 'string'
      ? typeof v === 'string'
      : Array.isArray(v) && v.every(i => typeof i === 'string');
  return {
    '~standard': {
      version: 1 as const,
      vendor: 'oncall',
      validate: (value: unknown) =>
        value &&
        typeof value === 'object' &&
        Object.keys(value).every(k => k === field) &&
        valid((value as Record<string, unknown>)[field])
          ? { value: value as T }
          : { issues: [{ message: `expected { ${field}: ${type} }` }] },
      jsonSchema: { input: () => json, output: () => json },
      types: undefined as unknown as { input: T; output: T },
    },
  };
}

/**
 * The user is one of the incident's responders: paged by its escalation,
 * assigned to it, or already acted on it.
 * @public
 */
export const isIncidentResponder = createPermissionRule<
  typeof oncallIncidentPermissionResourceRef,
  { userEntityRef: string }
>({
  name: 'IS_INCIDENT_RESPONDER',
  description:
    'Allow the responders of an incident: the people its escalation paged, its assignee, and who acted on it',
  resourceRef: oncallIncidentPermissionResourceRef,
  paramsSchema: paramsSchema<{ userEntityRef: string }>(
    'userEntityRef',
    'string',
    'The user entity ref of the caller',
  ),
  apply: (resource, { userEntityRef }) => {
    const ref = lower(userEntityRef);
    const { responders, assignee } = resource.incident;
    return (
      responders.some(r => lower(r) === ref) ||
      (!!assignee && lower(assignee) === ref)
    );
  },
  toQuery: () => {
    throw new Error('oncall incidents are not filtered by permission queries');
  },
});

/**
 * One of the claims (the user and the groups they are a member of, i.e. the
 * ownership entity refs of a Backstage identity) owns the incident's service.
 * @public
 */
export const isServiceOwner = createPermissionRule<
  typeof oncallIncidentPermissionResourceRef,
  { claims: string[] }
>({
  name: 'IS_SERVICE_OWNER',
  description:
    "Allow the owners of the incident's service (the user or a group they are a member of)",
  resourceRef: oncallIncidentPermissionResourceRef,
  paramsSchema: paramsSchema<{ claims: string[] }>(
    'claims',
    'string[]',
    'Ownership entity refs of the caller (user and its groups)',
  ),
  apply: (resource, { claims }) => {
    const owners = new Set(resource.serviceOwnerRefs.map(lower));
    return claims.some(c => owners.has(lower(c)));
  },
  toQuery: () => {
    throw new Error('oncall incidents are not filtered by permission queries');
  },
});

/** @public */
export const oncallIncidentRules = { isIncidentResponder, isServiceOwner };

const exported = createConditionExports({
  resourceRef: oncallIncidentPermissionResourceRef,
  rules: oncallIncidentRules,
});

/**
 * Conditions for policies, e.g.
 * `oncallIncidentConditions.isServiceOwner({ claims: user.info.ownershipEntityRefs })`.
 * @public
 */
export const oncallIncidentConditions = exported.conditions;

/**
 * Wraps conditions into a decision for `oncall.incident.update`.
 * @public
 */
export const createOncallIncidentConditionalDecision =
  exported.createConditionalDecision;
