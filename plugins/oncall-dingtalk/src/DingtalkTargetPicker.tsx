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

import { useApiHolder } from '@backstage/core-plugin-api';
import {
  dingtalkApiRef,
  DingtalkGroupChatPicker,
  type PickedGroupChat,
} from '@dingtalk-oncall/backstage-plugin-dingtalk';
import {
  ChannelTargetSearchPicker,
  type ChannelTargetPickerProps,
  type EscalationChannelTarget,
} from '@dingtalk-oncall/backstage-plugin-oncall-react';

/**
 * DingTalk group chats for a rule step: the DingTalk plugin's own picker
 * (integrations, groups where the Cool App is installed, Refresh). Without
 * the DingTalk plugin in the app it falls back to the host's generic picker
 * over the bridge's targets, so DingTalk targets stay editable.
 */
export function DingtalkTargetPicker(props: ChannelTargetPickerProps) {
  const dingtalkApi = useApiHolder().get(dingtalkApiRef);
  if (!dingtalkApi) return <ChannelTargetSearchPicker {...props} />;
  const value: PickedGroupChat[] = props.value.map(t => ({
    integrationId: t.integrationId ?? '',
    openConversationId: t.id,
    title: t.title ?? t.id,
  }));
  return (
    <DingtalkGroupChatPicker
      label={props.label}
      value={value}
      onChange={picked =>
        props.onChange(
          picked.map(
            (g): EscalationChannelTarget => ({
              type: 'channel',
              channel: props.channel.id,
              id: g.openConversationId,
              title: g.title,
              ...(g.integrationId ? { integrationId: g.integrationId } : {}),
            }),
          ),
        )
      }
    />
  );
}
