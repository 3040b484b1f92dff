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

/**
 * DingTalk for Backstage: integrations, the group-chat picker, records,
 * usage and account links.
 *
 * @packageDocumentation
 */

export {
  dingtalkPlugin,
  DingtalkPage,
  DingtalkAccountLinkCard,
  DingtalkGroupChatPickerFieldExtension,
} from './plugin';
export { DingtalkGroupChatPicker } from './components/GroupChatPicker';
export type {
  DingtalkGroupChatPickerProps,
  PickedGroupChat,
} from './components/GroupChatPicker';
export { IntegrationForm } from './components/IntegrationForm';
export { dingtalkApiRef, DingtalkClient } from './api/DingtalkApi';
export type {
  DingtalkApi,
  LinkedUserRow,
  LinkPreview,
  Page,
} from './api/DingtalkApi';

// Sign in with DingTalk (the auth backend's `dingtalk` provider)
export * from './auth';
