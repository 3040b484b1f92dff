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
 * DingTalk's client link that opens a group chat, made from the group's id.
 * A war room's link comes from DingTalk (the scene group's `group_url`) or
 * from here, never from a caller: cards let `dingtalk://` links through
 * without a host check, and the DingTalk client follows them to any web page
 * (`page/link?url=`).
 */
export function dingtalkGroupLink(openConversationId: string): string {
  return `dingtalk://dingtalkclient/page/link?openConversationId=${encodeURIComponent(
    openConversationId,
  )}`;
}
