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

/** Read integrations, their URLs, groups and usage. @public */
export const dingtalkIntegrationReadPermission = createPermission({
  name: 'dingtalk.integration.read',
  attributes: { action: 'read' },
});

/** @public */
export const dingtalkIntegrationCreatePermission = createPermission({
  name: 'dingtalk.integration.create',
  attributes: { action: 'create' },
});

/** Change an integration, test its credentials, refresh its groups. @public */
export const dingtalkIntegrationUpdatePermission = createPermission({
  name: 'dingtalk.integration.update',
  attributes: { action: 'update' },
});

/** @public */
export const dingtalkIntegrationDeletePermission = createPermission({
  name: 'dingtalk.integration.delete',
  attributes: { action: 'delete' },
});

/** Send messages and cards, open war rooms. @public */
export const dingtalkMessageSendPermission = createPermission({
  name: 'dingtalk.message.send',
  attributes: { action: 'create' },
});

/** Read operation records (who was sent what, and the outcome). @public */
export const dingtalkRecordsReadPermission = createPermission({
  name: 'dingtalk.records.read',
  attributes: { action: 'read' },
});

/** Link and unlink other people's DingTalk accounts. @public */
export const dingtalkLinkManagePermission = createPermission({
  name: 'dingtalk.link.manage',
  attributes: { action: 'update' },
});

/** Every permission of the DingTalk plugin. @public */
export const dingtalkPermissions = [
  dingtalkIntegrationReadPermission,
  dingtalkIntegrationCreatePermission,
  dingtalkIntegrationUpdatePermission,
  dingtalkIntegrationDeletePermission,
  dingtalkMessageSendPermission,
  dingtalkRecordsReadPermission,
  dingtalkLinkManagePermission,
];
