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

import { oncallIncidentReadPermission } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import Router from 'express-promise-router';
import { incidentReport } from './IncidentReport';
import { authorize, type RouteContext } from './routes/helpers';

/** `GET /incidents/:id/report.md`: the post-incident report the incident page exports. */
export function createReportRouter(ctx: RouteContext) {
  const router = Router();
  router.get('/incidents/:id/report.md', async (req, res) => {
    await authorize(ctx, req, oncallIncidentReadPermission);
    const incident = await ctx.incidents.getWithTimeline(req.params.id);
    const body = incidentReport(incident, incident.timeline ?? []);
    res
      .status(200)
      .type('text/markdown; charset=utf-8')
      .set(
        'content-disposition',
        `attachment; filename="incident-${incident.id}.md"`,
      )
      .send(body);
  });
  return router;
}
