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

import type { AuditorService } from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import {
  DINGTALK_CONTACT_EVENTS_TOPIC,
  DINGTALK_CONTACT_EVENT_TYPES,
  type DingtalkContactEvent,
  type DingtalkContactEventType,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { StoredIntegration } from '../database/IntegrationsStore';
import type { LinksStore } from '../database/LinksStore';

// Bounds on what one event may name; DingTalk batches at most a few hundred.
const MAX_IDS = 1000;

/**
 * An address-book event (user_add_org, ..., org_dept_remove) as the payload
 * of topic `dingtalk.contact`, or undefined for any other event type. HTTP
 * push capitalises the keys (`UserId`, `DeptId`), Stream mode does not:
 * both are read. Ids that are not DingTalk's (too long, not numbers) are
 * dropped rather than failing the event.
 */
export function contactEventOf(
  i: StoredIntegration,
  eventType: string,
  event: Record<string, unknown>,
): DingtalkContactEvent | undefined {
  if (!(DINGTALK_CONTACT_EVENT_TYPES as readonly string[]).includes(eventType))
    return undefined;
  const list = (name: string) => {
    const value =
      event[name] ?? event[name.charAt(0).toUpperCase() + name.slice(1)];
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).slice(0, MAX_IDS);
  };
  const userIds = list('userId').filter(
    (u): u is string => typeof u === 'string' && u.length > 0 && u.length <= 64,
  );
  const deptIds = list('deptId')
    .map(d => (typeof d === 'string' && /^\d{1,15}$/.test(d) ? Number(d) : d))
    .filter((d): d is number => Number.isSafeInteger(d) && (d as number) > 0);
  return {
    integrationId: i.id,
    corpId: i.corpId,
    eventType: eventType as DingtalkContactEventType,
    ...(userIds.length ? { userIds: [...new Set(userIds)] } : {}),
    ...(deptIds.length ? { deptIds: [...new Set(deptIds)] } : {}),
  };
}

/**
 * Publishes address-book events to the EventsService (contract 4 in
 * docs/DESIGN.md). A person who left the organisation first loses their
 * stored links (H5, sign-in, mobile, admin), audited: their DingTalk id may
 * be given to someone else later, who must not act as the one who left.
 */
export function contactEventPublisher(
  events: EventsService,
  leavers?: {
    links: Pick<LinksStore, 'unlinkDingtalkUsers'>;
    auditor: AuditorService;
  },
) {
  return async (payload: DingtalkContactEvent) => {
    if (leavers && payload.eventType === 'user_leave_org' && payload.userIds) {
      const event = await leavers.auditor.createEvent({
        eventId: 'link-mutate',
        severityLevel: 'medium',
        meta: {
          action: 'unlink-left-organisation',
          integrationId: payload.integrationId,
          dingtalkUserIds: payload.userIds,
        },
      });
      try {
        const removed = await leavers.links.unlinkDingtalkUsers(
          payload.integrationId,
          payload.userIds,
        );
        await event.success({
          meta: { removed: removed.map(l => l.userEntityRef) },
        });
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    }
    await events.publish({
      topic: DINGTALK_CONTACT_EVENTS_TOPIC,
      eventPayload: payload,
    });
  };
}
