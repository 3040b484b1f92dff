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
  type AuthService,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  isPermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { oncallIncidentUpdatePermission } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  createOncallIncidentConditionalDecision,
  oncallIncidentConditions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';

/**
 * (A copy of the oncall-backend test policy: test utilities are not shared
 * across packages.) The policy of the README, for tests: everyone may read;
 * `admins` may do everything; `responders` may update an incident they
 * respond to or whose service they own (a conditional decision, applied by
 * the oncall plugin);
 * everyone else (e.g. user:default/reader) is refused every change.
 */
export class TestPolicy implements PermissionPolicy {
  constructor(
    private readonly users: { admins: string[]; responders?: string[] },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const ref = user?.info.userEntityRef ?? '';
    if (this.users.admins.includes(ref))
      return { result: AuthorizeResult.ALLOW };
    if (request.permission.attributes.action === 'read')
      return { result: AuthorizeResult.ALLOW };
    if (
      this.users.responders?.includes(ref) &&
      isPermission(request.permission, oncallIncidentUpdatePermission)
    ) {
      return createOncallIncidentConditionalDecision(request.permission, {
        anyOf: [
          oncallIncidentConditions.isIncidentResponder({ userEntityRef: ref }),
          oncallIncidentConditions.isServiceOwner({
            claims: user?.info.ownershipEntityRefs ?? [],
          }),
        ],
      });
    }
    return { result: AuthorizeResult.DENY };
  }
}

/**
 * The mock auth service, except that a token one plugin gets on behalf of a
 * user names that plugin as the actor, as Backstage's own plugin tokens do.
 * The mock drops the actor, and a plugin's apply-conditions endpoint refuses
 * user credentials without one (it serves the permission backend only).
 */
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): AuthService {
    const inner = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: (token, options) => inner.authenticate(token, options),
      isPrincipal: inner.isPrincipal.bind(inner) as AuthService['isPrincipal'],
      getNoneCredentials: () => inner.getNoneCredentials(),
      getOwnServiceCredentials: () => inner.getOwnServiceCredentials(),
      getLimitedUserToken: c => inner.getLimitedUserToken(c),
      listPublicServiceKeys: () => inner.listPublicServiceKeys(),
      async getPluginRequestToken(options) {
        if (inner.isPrincipal(options.onBehalfOf, 'user')) {
          return {
            token: mockCredentials.user.token(
              options.onBehalfOf.principal.userEntityRef,
              { actor: { subject: `plugin:${plugin.getId()}` } },
            ),
          };
        }
        return inner.getPluginRequestToken(options);
      },
    };
  },
});

/** The permission backend with this policy, and plugins asking it for real. */
export function realPermissions(policy: PermissionPolicy) {
  return [
    permissionPlugin,
    permissionsServiceFactory,
    authWithActors,
    createBackendModule({
      pluginId: 'permission',
      moduleId: 'test-policy',
      register(reg) {
        reg.registerInit({
          deps: { policy: policyExtensionPoint },
          async init({ policy: ext }) {
            ext.setPolicy(policy);
          },
        });
      },
    }),
  ];
}
