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
  AuthService,
  PermissionsRegistryService,
} from '@backstage/backend-plugin-api';
import {
  type Entity,
  parseEntityRef,
  RELATION_MEMBER_OF,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  type Incident,
  oncallIncidentUpdatePermission,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  isIncidentResponder,
  isServiceOwner,
  oncallIncidentPermissionResourceRef,
  oncallIncidentRules,
  type OncallIncidentResource,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';

const lower = (s: string) => s.toLocaleLowerCase('en-US');

/** A group ref as the catalog writes it, or undefined when it is not one. */
function groupRef(ref: string, namespace = 'default'): string | undefined {
  try {
    return lower(
      stringifyEntityRef(
        parseEntityRef(ref, {
          defaultKind: 'group',
          defaultNamespace: namespace,
        }),
      ),
    );
  } catch {
    return undefined;
  }
}

/** Why a person may not act on an incident from a channel, or nothing. */
export type ChannelActionDecision =
  | { allowed: true; rule: string }
  | { allowed: false; reason: string };

/**
 * Who may act on an incident. Web and API callers are decided by the
 * permission policy (`oncall.incident.update` on the `oncall-incident`
 * resource, with the rules `isIncidentResponder` and `isServiceOwner`,
 * applied here when the policy answers with conditions).
 *
 * A chat click (DingTalk today, chat commands next) names a person the host
 * knows only by entity ref: Backstage cannot mint credentials for them, so
 * the policy cannot be asked. The same two rules then decide, with the
 * person's claims read from the catalog, plus the groups an admin allows in
 * `oncall.channelActions.allowedGroups`.
 */
export class IncidentAccess {
  readonly #getIncident: (id: string) => Promise<Incident | undefined>;
  readonly #catalog: CatalogService;
  readonly #auth: AuthService;
  readonly #allowedGroups: string[];

  constructor(options: {
    getIncident: (id: string) => Promise<Incident | undefined>;
    catalog: CatalogService;
    auth: AuthService;
    allowedGroups?: string[];
  }) {
    this.#getIncident = options.getIncident;
    this.#catalog = options.catalog;
    this.#auth = options.auth;
    this.#allowedGroups = (options.allowedGroups ?? []).map(g => {
      const ref = groupRef(g);
      if (!ref)
        throw new Error(
          `oncall.channelActions.allowedGroups: "${g}" is not an entity ref`,
        );
      return ref;
    });
  }

  /** Makes the rules known to the permission framework (apply-conditions). */
  register(registry: PermissionsRegistryService) {
    registry.addResourceType({
      resourceRef: oncallIncidentPermissionResourceRef,
      permissions: [oncallIncidentUpdatePermission],
      rules: Object.values(oncallIncidentRules),
      getResources: refs => Promise.all(refs.map(ref => this.resource(ref))),
    });
  }

  async resource(id: string): Promise<OncallIncidentResource | undefined> {
    const incident = await this.#getIncident(id);
    if (!incident) return undefined;
    return {
      incident,
      serviceOwnerRefs: await this.#serviceOwners(incident.serviceRef),
    };
  }

  /** May this person act on the incident from a chat channel? */
  async mayActFromChannel(
    incidentId: string,
    userEntityRef: string,
  ): Promise<ChannelActionDecision> {
    const resource = await this.resource(incidentId);
    if (!resource) throw new NotFoundError(`Incident ${incidentId} not found`);
    if (isIncidentResponder.apply(resource, { userEntityRef })) {
      return { allowed: true, rule: 'responder' };
    }
    const claims = await this.#claims(userEntityRef);
    if (isServiceOwner.apply(resource, { claims })) {
      return { allowed: true, rule: 'service owner' };
    }
    if (claims.some(c => this.#allowedGroups.includes(c))) {
      return { allowed: true, rule: 'allowed group' };
    }
    return {
      allowed: false,
      reason: `${userEntityRef} is not a responder of this incident, not in the owners of ${
        resource.incident.serviceRef
      } (${
        resource.serviceOwnerRefs.join(', ') || 'none in the catalog'
      }) and not in a group of oncall.channelActions.allowedGroups`,
    };
  }

  /**
   * May this person declare an incident for a service from a chat channel?
   * There are no responders yet, so the other two rules decide: they or one
   * of their groups own the service, or they are in an allowed group.
   */
  async mayDeclareFromChannel(
    serviceRef: string,
    userEntityRef: string,
  ): Promise<ChannelActionDecision> {
    const owners = await this.#serviceOwners(serviceRef);
    const claims = await this.#claims(userEntityRef);
    if (claims.some(c => owners.includes(c))) {
      return { allowed: true, rule: 'service owner' };
    }
    if (claims.some(c => this.#allowedGroups.includes(c))) {
      return { allowed: true, rule: 'allowed group' };
    }
    return {
      allowed: false,
      reason: `${userEntityRef} is not in the owners of ${serviceRef} (${
        owners.join(', ') || 'none in the catalog'
      }) and not in a group of oncall.channelActions.allowedGroups`,
    };
  }

  async #entity(ref: string): Promise<Entity | undefined> {
    return this.#catalog.getEntityByRef(ref, {
      credentials: await this.#auth.getOwnServiceCredentials(),
    });
  }

  /** The service's owners: its ownedBy relations, or spec.owner before the catalog has processed it. */
  async #serviceOwners(serviceRef: string): Promise<string[]> {
    const entity = await this.#entity(serviceRef);
    if (!entity) return [];
    const related = (entity.relations ?? [])
      .filter(r => r.type === RELATION_OWNED_BY)
      .map(r => lower(r.targetRef));
    if (related.length) return related;
    const owner = entity.spec?.owner;
    const ref =
      typeof owner === 'string'
        ? groupRef(owner, entity.metadata.namespace)
        : undefined;
    return ref ? [ref] : [];
  }

  /** The person and their groups, as a sign-in resolver would claim them. */
  async #claims(userEntityRef: string): Promise<string[]> {
    const ref = lower(userEntityRef);
    const entity = await this.#entity(ref);
    if (!entity) return [ref];
    const groups = (entity.relations ?? [])
      .filter(r => r.type === RELATION_MEMBER_OF)
      .map(r => lower(r.targetRef));
    const declared = (
      Array.isArray(entity.spec?.memberOf)
        ? (entity.spec!.memberOf as unknown[])
        : []
    )
      .map(g =>
        typeof g === 'string'
          ? groupRef(g, entity.metadata.namespace)
          : undefined,
      )
      .filter((g): g is string => !!g);
    return [...new Set([ref, ...groups, ...declared])];
  }
}
