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

import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import {
  DingtalkGroupChatPicker,
  PickedGroupChat,
} from './DingtalkGroupChatPicker';

/** The picker in a scaffolder form: the value is a list of openConversationIds. */
export function GroupChatPickerField(
  props: FieldExtensionComponentProps<string[], { integrationId?: string }>,
) {
  const ids = props.formData ?? [];
  const value: PickedGroupChat[] = ids.map(id => ({
    integrationId: props.uiSchema?.['ui:options']?.integrationId ?? '',
    openConversationId: id,
    title: id,
  }));
  return (
    <DingtalkGroupChatPicker
      label={props.schema?.title ?? 'DingTalk group chats'}
      integrationId={props.uiSchema?.['ui:options']?.integrationId}
      value={value}
      onChange={v => props.onChange(v.map(g => g.openConversationId))}
    />
  );
}
