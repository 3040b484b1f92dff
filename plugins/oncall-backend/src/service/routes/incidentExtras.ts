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
import { InputError, NotFoundError } from '@backstage/errors';
import {
  oncallIncidentReadPermission,
  warRoomCreateSchema,
  type EscalationProgress,
  type IncidentDeliveryLink,
  type WarRoom,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import Router from 'express-promise-router';
import {
  actorOf,
  audited,
  authorize,
  authorizeIncident,
  parse,
  type RouteContext,
} from './helpers';

/**
 * What the incident page needs beyond the incident: its war room (opened
 * through the channel that offers war rooms), where its escalation is, and
 * links to the channels' records of its deliveries.
 */
export function createIncidentExtrasRouter(ctx: RouteContext) {
  const { stores, incidents, channels } = ctx;
  const router = Router();

  // A war room is always someone's: only people (not services) open one,
  // and they need oncall.incident.update on the incident.
  router.post('/incidents/:id/war-room', async (req, res) => {
    const credentials = await authorizeIncident(ctx, req, req.params.id, [
      'user',
    ]);
    const { channel: channelId } = parse(
      warRoomCreateSchema,
      req.body,
      'war room',
    );
    const channel = channels.get(channelId);
    if (!channel) {
      throw new NotFoundError(
        `On-call channel "${channelId}" is not installed`,
      );
    }
    if (!channel.warRooms) {
      throw new InputError(`${channel.title} has no war rooms`);
    }
    const incident = await incidents.get(req.params.id);
    if (!incident) throw new NotFoundError(`No incident ${req.params.id}`);
    const requestedBy = actorOf(credentials);
    const memberRefs = [
      ...new Set([
        ...incident.responders,
        ...(incident.assignee ? [incident.assignee] : []),
      ]),
    ].filter(r => r !== requestedBy);
    const room = await audited(
      ctx,
      req,
      'incident-mutate',
      { actionType: 'war-room', incidentId: incident.id, channel: channelId },
      () => channel.warRooms!.create({ incident, requestedBy, memberRefs }),
    );
    res.status(201).json({ channel: channelId, ...room } satisfies WarRoom);
  });

  router.get('/incidents/:id/escalation', async (req, res) => {
    await authorize(ctx, req, oncallIncidentReadPermission);
    const job = await stores.escalations.get(req.params.id);
    if (!job) {
      if (!(await incidents.get(req.params.id))) {
        throw new NotFoundError(`No incident ${req.params.id}`);
      }
      throw new NotFoundError(
        `Incident ${req.params.id} has no escalation: its service had no rule when it was created`,
      );
    }
    const totalSteps = job.rule.steps.length;
    const active = job.state === 'active';
    // nextStep is the 0-based index of the step to run next; at 0 in a
    // later round the previous round's last step was the last to run.
    let lastStep = job.nextStep;
    if (job.state === 'done' || (job.nextStep === 0 && job.round > 0)) {
      lastStep = totalSteps;
    }
    const progress: EscalationProgress = {
      state: job.state,
      ruleName: job.rule.name,
      totalSteps,
      lastStep,
      round: job.round,
      repeat: job.rule.repeat ?? 0,
      ...(active
        ? {
            nextStep: job.nextStep + 1,
            nextStepDueAt: new Date(job.nextRunAt).toISOString(),
          }
        : {}),
    };
    res.json(progress);
  });

  // Links to each channel's own view of what it delivered (e.g. DingTalk's
  // operation records of the incident). A channel that fails to answer is
  // left out rather than hiding the others' links.
  router.get('/incidents/:id/deliveries', async (req, res) => {
    await authorize(ctx, req, oncallIncidentReadPermission);
    const incident = await incidents.get(req.params.id);
    if (!incident) throw new NotFoundError(`No incident ${req.params.id}`);
    const answers = await Promise.allSettled(
      channels.list().map(async channel => {
        const links = (await channel.deliveryLinks?.({ incident })) ?? [];
        return links
          .filter(l => isSafeLink(l.url))
          .map(
            (l): IncidentDeliveryLink => ({
              channel: channel.id,
              channelTitle: channel.title,
              title: l.title,
              url: l.url,
            }),
          );
      }),
    );
    res.json({
      items: answers.flatMap(a => (a.status === 'fulfilled' ? a.value : [])),
    });
  });

  return router;
}

/** Only web links and app paths reach the page (no `javascript:` and such). */
function isSafeLink(url: string): boolean {
  if (url.startsWith('/') && !url.startsWith('//')) return true;
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}
