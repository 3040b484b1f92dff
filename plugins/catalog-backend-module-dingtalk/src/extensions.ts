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

import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  DingtalkGroupTransformer,
  DingtalkUserTransformer,
} from './lib/transformers';

/**
 * Custom mapping of DingTalk people and departments to catalog entities.
 * Each transformer may be set once; a second call is refused, so two
 * modules cannot silently override each other.
 *
 * @example
 * ```ts
 * backend.add(createBackendModule({
 *   pluginId: 'catalog',
 *   moduleId: 'dingtalk-org-transforms',
 *   register(env) {
 *     env.registerInit({
 *       deps: { dingtalk: dingtalkOrgEntityProviderTransformExtensionPoint },
 *       async init({ dingtalk }) {
 *         dingtalk.setUserTransformer(async (user, ctx) => {
 *           const entity = await defaultUserTransformer(user, ctx);
 *           // e.g. name people by their email's local part
 *           if (entity && user.email) entity.metadata.name = normalizeEntityName(user.email.split('@')[0]);
 *           return entity;
 *         });
 *       },
 *     });
 *   },
 * }));
 * ```
 * @public
 */
export interface DingtalkOrgEntityProviderTransformsExtensionPoint {
  setUserTransformer(transformer: DingtalkUserTransformer): void;
  setGroupTransformer(transformer: DingtalkGroupTransformer): void;
}

/** @public */
export const dingtalkOrgEntityProviderTransformExtensionPoint =
  createExtensionPoint<DingtalkOrgEntityProviderTransformsExtensionPoint>({
    id: 'catalog.dingtalkOrgEntityProvider.transforms',
  });
