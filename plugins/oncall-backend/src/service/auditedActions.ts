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
import { NotAllowedError } from '@backstage/errors';
import { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import {
  OncallChannel,
  OncallIncidentActions,
} from '@dingtalk-oncall/backstage-plugin-oncall-node';
import { IncidentAccess } from './IncidentAccess';
import { normalizeRef } from './refs';

const VERBS: Record<string, string> = {
  acknowledge: 'acknowledge',
  resolve: 'resolve',
  snooze: 'snooze',
  comment: 'comment on',
  note: 'add a note to',
  assign: 'hand over',
  escalate: 'escalate',
};

/**
 * The incident actions handed to a channel. The host, not each channel,
 * decides whether the person may act (IncidentAccess.mayActFromChannel), so
 * every channel and every chat command gets the same rule. A refused action
 * changes nothing, is written to the timeline (who, via which channel, what)
 * and throws a NotAllowedError whose message says why, for the channel to
 * show the person. Every attempt is an audit event naming the person and
 * the channel ("via DingTalk"), as traceable as a click in Backstage.
 */
export function auditedActions(
  actions: OncallIncidentActions,
  auditor: AuditorService,
  channel: Pick<OncallChannel, 'id' | 'title'>,
  access: IncidentAccess,
): OncallIncidentActions {
  const audited = async (
    actionType: string,
    id: string,
    actor: string,
    run: () => Promise<Incident>,
  ): Promise<Incident> => {
    // The auditor's actorId is this plugin (no request carries the person's
    // credentials), so the person and the channel are in meta.
    const event = await auditor.createEvent({
      eventId: 'incident-mutate',
      severityLevel: 'medium',
      meta: {
        actionType,
        incidentId: id,
        actor,
        via: channel.title,
        channel: channel.id,
      },
    });
    try {
      const decision = await access.mayActFromChannel(id, actor);
      if (!decision.allowed) {
        await actions.recordTimeline(id, {
          type: 'channel',
          actor,
          message: `${actor} tried to ${VERBS[actionType]} the incident via ${channel.title}: refused, ${decision.reason}; nothing changed`,
          data: {
            channel: channel.id,
            action: actionType,
            refused: true,
            reason: decision.reason,
          },
        });
        throw new NotAllowedError(
          `You may not ${VERBS[actionType]} this incident: ${decision.reason}. Nothing was changed.`,
        );
      }
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
    note: (id, actor, text) =>
      audited('note', id, actor, () => actions.note(id, actor, text)),
    assign: (id, actor, assignee) =>
      audited('assign', id, actor, () => actions.assign(id, actor, assignee)),
    escalate: (id, actor) =>
      audited('escalate', id, actor, () => actions.escalate(id, actor)),
    declare: async (request, actor) => {
      const req = {
        ...request,
        serviceRef: normalizeRef(request.serviceRef, 'service', 'component'),
      };
      const event = await auditor.createEvent({
        eventId: 'incident-mutate',
        severityLevel: 'medium',
        meta: {
          actionType: 'declare',
          serviceRef: req.serviceRef,
          actor,
          via: channel.title,
          channel: channel.id,
        },
      });
      try {
        const decision = await access.mayDeclareFromChannel(
          req.serviceRef,
          actor,
        );
        if (!decision.allowed) {
          throw new NotAllowedError(
            `You may not declare an incident for ${req.serviceRef}: ${decision.reason}. Nothing was created.`,
          );
        }
        const incident = await actions.declare(req, actor);
        await event.success();
        return incident;
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
    listOpenFor: (actor, limit) => actions.listOpenFor(actor, limit),
    recordMessage: (id, message) => actions.recordMessage(id, message),
    timeline: id => actions.timeline(id),
    recordTimeline: (id, entry) => actions.recordTimeline(id, entry),
    get: id => actions.get(id),
  };
}
