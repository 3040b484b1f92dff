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
import {
  notificationPreferencesSchema,
  oncallIncidentReadPermission,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import Router from 'express-promise-router';
import { actorOf, authorize, parse, type RouteContext } from './helpers';

/**
 * A person's own notification preferences (which channels may message them
 * directly, a pause). Only for signed-in people, only their own; whoever may
 * see on-call at all (oncall.incident.read) may choose how it reaches them.
 */
export function createPreferencesRouter(ctx: RouteContext) {
  const { stores } = ctx;
  const router = Router();

  router.get('/me/notification-preferences', async (req, res) => {
    const credentials = await authorize(
      ctx,
      req,
      oncallIncidentReadPermission,
      ['user'],
    );
    res.json(await stores.preferences.get(actorOf(credentials)));
  });

  router.put('/me/notification-preferences', async (req, res) => {
    const credentials = await authorize(
      ctx,
      req,
      oncallIncidentReadPermission,
      ['user'],
    );
    const prefs = parse(
      notificationPreferencesSchema,
      req.body,
      'notification preferences',
    );
    const event = await ctx.auditor.createEvent({
      eventId: 'notification-preferences-mutate',
      request: req,
      severityLevel: 'low',
      meta: { actionType: 'update' },
    });
    try {
      const saved = await stores.preferences.set(
        actorOf(credentials),
        prefs,
        ctx.clock(),
      );
      await event.success();
      res.json(saved);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  return router;
}
