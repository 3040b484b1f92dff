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
import { AuditorService } from '@backstage/backend-plugin-api';
import { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { OncallIncidentActions } from '@dingtalk-oncall/backstage-plugin-oncall-node';

/**
 * The incident actions handed to a channel, with the same audit events as
 * the REST API so that a click in a chat is as traceable as a click in
 * Backstage.
 */
export function auditedActions(
  actions: OncallIncidentActions,
  auditor: AuditorService,
  channelId: string,
): OncallIncidentActions {
  const audited = async (
    actionType: string,
    id: string,
    actor: string,
    run: () => Promise<Incident>,
  ): Promise<Incident> => {
    const event = await auditor.createEvent({
      eventId: 'incident-mutate',
      severityLevel: 'medium',
      meta: { actionType, incidentId: id, actor, via: `channel:${channelId}` },
    });
    try {
      const incident = await run();
      await event.success();
      return incident;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };
  return {
    acknowledge: (id, actor) =>
      audited('acknowledge', id, actor, () => actions.acknowledge(id, actor)),
    resolve: (id, actor) =>
      audited('resolve', id, actor, () => actions.resolve(id, actor)),
    snooze: (id, actor, minutes) =>
      audited('snooze', id, actor, () => actions.snooze(id, actor, minutes)),
    comment: (id, actor, text) =>
      audited('comment', id, actor, () => actions.comment(id, actor, text)),
    recordTimeline: (id, entry) => actions.recordTimeline(id, entry),
    get: id => actions.get(id),
  };
}
