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
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  type GroupEntity,
  type UserEntity,
} from '@backstage/catalog-model';
import {
  DINGTALK_ANNOTATIONS,
  type DingtalkContactUser,
  type DingtalkDepartment,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { normalizeEntityName, shortHash } from './names';

export { normalizeEntityName } from './names';

/** What a transformer knows besides the DingTalk record. @public */
export interface DingtalkTransformerContext {
  providerId: string;
  integrationId: string;
  corpId: string;
  /** The Group entity name of a department (as the group transformer named it), when it is synced. */
  groupNameOf(deptId: number): string | undefined;
  userNamespace: string;
  groupNamespace: string;
  includeMobile: boolean;
}

/**
 * Maps a DingTalk person to a User entity; undefined leaves them out.
 * Keep the `dingtalk.com/user-id` annotation: it is what links the person's
 * DingTalk account (messages, card clicks, sign-in).
 * @public
 */
export type DingtalkUserTransformer = (
  user: DingtalkContactUser,
  ctx: DingtalkTransformerContext,
) => Promise<UserEntity | undefined>;

/**
 * Maps a DingTalk department to a Group entity; undefined leaves it out
 * (its people keep their other groups). `name` is the default entity name,
 * `parentName` the parent's, `isRoot` whether it is the synced tree's root.
 * Keep the `dingtalk.com/dept-id` annotation: delta updates find the group
 * by it.
 * @public
 */
export type DingtalkGroupTransformer = (
  department: DingtalkDepartment,
  ctx: DingtalkTransformerContext & {
    name: string;
    parentName?: string;
    isRoot: boolean;
  },
) => Promise<GroupEntity | undefined>;

/** The default Group name of a department: its name, else `dept-<id>` (names in Chinese). */
export function defaultGroupName(d: DingtalkDepartment): string {
  return normalizeEntityName(d.name) || `dept-${d.deptId}`;
}

/** The default User name of a person: their DingTalk userid. */
export function defaultUserName(u: DingtalkContactUser): string {
  // A userid with nothing the catalog allows (Chinese text): a stable hash of it.
  return normalizeEntityName(u.userId) || `user-${shortHash(u.userId)}`;
}

function groupRef(namespace: string, name: string) {
  return namespace === 'default' ? name : `group:${namespace}/${name}`;
}

/** The location key and managed-by location of a provider's entities. */
export function locationOf(providerId: string) {
  return `dingtalk-org:${providerId}`;
}

/** The default User entity. @public */
export const defaultUserTransformer: DingtalkUserTransformer = async (
  user,
  ctx,
) => {
  const location = locationOf(ctx.providerId);
  const memberOf = user.deptIds
    .map(id => ctx.groupNameOf(id))
    .filter((n): n is string => !!n)
    .map(n => groupRef(ctx.groupNamespace, n));
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name: defaultUserName(user),
      namespace: ctx.userNamespace,
      ...(user.title ? { description: user.title } : {}),
      annotations: {
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
        [DINGTALK_ANNOTATIONS.userId]: user.userId,
        ...(user.unionId
          ? { [DINGTALK_ANNOTATIONS.unionId]: user.unionId }
          : {}),
        [DINGTALK_ANNOTATIONS.deptId]: user.deptIds.join(','),
        [DINGTALK_ANNOTATIONS.corpId]: ctx.corpId,
        ...(ctx.includeMobile && user.mobile
          ? { [DINGTALK_ANNOTATIONS.mobile]: user.mobile }
          : {}),
      },
    },
    spec: {
      profile: {
        displayName: user.name,
        ...(user.email ? { email: user.email } : {}),
        ...(user.avatar ? { picture: user.avatar } : {}),
      },
      memberOf: [...new Set(memberOf)],
    },
  };
};

/** The default Group entity: `organization` for the root, `department` below. @public */
export const defaultGroupTransformer: DingtalkGroupTransformer = async (
  department,
  ctx,
) => {
  const location = locationOf(ctx.providerId);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: {
      name: ctx.name,
      namespace: ctx.groupNamespace,
      annotations: {
        [ANNOTATION_LOCATION]: location,
        [ANNOTATION_ORIGIN_LOCATION]: location,
        [DINGTALK_ANNOTATIONS.deptId]: String(department.deptId),
        [DINGTALK_ANNOTATIONS.corpId]: ctx.corpId,
      },
    },
    spec: {
      type: ctx.isRoot ? 'organization' : 'department',
      profile: { displayName: department.name },
      // Relations come from each child's parent (the catalog makes both
      // directions), so a delta update of one department needs no other.
      ...(ctx.parentName && !ctx.isRoot
        ? { parent: groupRef(ctx.groupNamespace, ctx.parentName) }
        : {}),
      children: [],
    },
  };
};
