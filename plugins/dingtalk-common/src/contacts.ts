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
 * The organisation as DingTalk's contact APIs describe it, as the dingtalk
 * backend hands it to other plugins (the catalog's org provider) over its
 * service-only contacts API. Field names are ours; DingTalk's are noted.
 */

/** Catalog annotations of entities that stand for DingTalk people and departments. @public */
export const DINGTALK_ANNOTATIONS = {
  /** DingTalk's `userid`: unique within the organisation. */
  userId: 'dingtalk.com/user-id',
  /** DingTalk's `unionid`: the person across organisations. */
  unionId: 'dingtalk.com/union-id',
  /** A department's `dept_id` (on a Group), or the person's departments comma-separated (on a User). */
  deptId: 'dingtalk.com/dept-id',
  /** The organisation's CorpId. */
  corpId: 'dingtalk.com/corp-id',
  /** The mobile number, where the app may read it (also used by "link everyone by mobile"). */
  mobile: 'dingtalk.com/mobile',
} as const;

/** A department (`topapi/v2/department/get`, `.../listsub`). @public */
export interface DingtalkDepartment {
  deptId: number;
  name: string;
  /** Absent for the root department (id 1). */
  parentId?: number;
}

/** A person (`topapi/v2/user/list`, `topapi/v2/user/get`). @public */
export interface DingtalkContactUser {
  userId: string;
  unionId?: string;
  name: string;
  /** `email`, else `org_email`. */
  email?: string;
  /** Only when the app has the permission to read mobile numbers. */
  mobile?: string;
  avatar?: string;
  title?: string;
  jobNumber?: string;
  deptIds: number[];
  /** Whether the person has activated DingTalk. */
  active?: boolean;
}

/** One page of a department's people. @public */
export interface DingtalkContactUserPage {
  corpId: string;
  items: DingtalkContactUser[];
  /** DingTalk's `next_cursor`, when `has_more`. */
  nextCursor?: number;
}

/** The EventsService topic the dingtalk backend publishes address-book events to. @public */
export const DINGTALK_CONTACT_EVENTS_TOPIC = 'dingtalk.contact';

/** DingTalk's address-book event types. @public */
export const DINGTALK_CONTACT_EVENT_TYPES = [
  'user_add_org',
  'user_modify_org',
  'user_leave_org',
  'org_dept_create',
  'org_dept_modify',
  'org_dept_remove',
] as const;

/** @public */
export type DingtalkContactEventType =
  (typeof DINGTALK_CONTACT_EVENT_TYPES)[number];

/** The payload of an event on topic `dingtalk.contact`. @public */
export interface DingtalkContactEvent {
  integrationId: string;
  corpId: string;
  eventType: DingtalkContactEventType;
  userIds?: string[];
  deptIds?: number[];
}
