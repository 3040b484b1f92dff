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
  escalationRuleUpsertSchema,
  oncallRuleReadPermission,
  oncallRuleUpdatePermission,
  type ServiceOncallSummary,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import Router from 'express-promise-router';
import { normalizeRef } from '../refs';
import {
  actorOf,
  audited,
  authorize,
  parse,
  type RouteContext,
} from './helpers';

/** Escalation rules of services, and the overview of every service's setup. */
export function createRulesRouter(ctx: RouteContext) {
  const { stores, incidents } = ctx;
  const router = Router();

  // Services that have anything set up: rule, webhooks, open incidents. The
  // page joins it with the catalog's components.
  router.get('/services', async (req, res) => {
    await authorize(ctx, req, oncallRuleReadPermission);
    const [rules, webhooks, open] = await Promise.all([
      stores.rules.list(),
      stores.webhooks.countByService(),
      incidents.list({ status: ['triggered', 'acknowledged'], limit: 500 }),
    ]);
    const byService = new Map<string, ServiceOncallSummary>();
    const entry = (serviceRef: string) => {
      let e = byService.get(serviceRef);
      if (!e) {
        e = { serviceRef, openIncidents: 0, webhooks: 0 };
        byService.set(serviceRef, e);
      }
      return e;
    };
    for (const r of rules) {
      entry(r.serviceRef).rule = {
        name: r.name,
        steps: r.steps.length,
        updatedAt: r.updatedAt,
      };
    }
    for (const [serviceRef, n] of webhooks) entry(serviceRef).webhooks = n;
    for (const i of open.items) entry(i.serviceRef).openIncidents += 1;
    res.json({
      items: [...byService.values()].sort((a, b) =>
        a.serviceRef.localeCompare(b.serviceRef),
      ),
    });
  });

  router.get('/services/:serviceRef/rule', async (req, res) => {
    await authorize(ctx, req, oncallRuleReadPermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const rule = await stores.rules.getByService(serviceRef);
    if (!rule) {
      throw new NotFoundError(`No escalation rule for ${serviceRef}`);
    }
    res.json(rule);
  });

  router.put('/services/:serviceRef/rule', async (req, res) => {
    const credentials = await authorize(ctx, req, oncallRuleUpdatePermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const input = parse(
      escalationRuleUpsertSchema,
      req.body,
      'escalation rule',
    );
    const steps = input.steps.map(step => ({
      delayMinutes: step.delayMinutes,
      targets: step.targets.map(t =>
        t.type === 'channel'
          ? t
          : { ...t, ref: normalizeRef(t.ref, `${t.type} target`, t.type) },
      ),
    }));
    // A person or team that is not in the catalog would be paged never, and
    // a rule of a service that is not there would never be used: refuse the
    // rule and say which refs, instead of saving a typo.
    if (ctx.catalogRefs) {
      const people = steps.flatMap((s, i) =>
        s.targets.flatMap(t =>
          t.type === 'channel' ? [] : [{ ref: t.ref, step: i + 1 }],
        ),
      );
      const missing = new Set(
        await ctx.catalogRefs.missing([serviceRef, ...people.map(p => p.ref)]),
      );
      if (missing.size) {
        const problems = people
          .filter(p => missing.has(p.ref))
          .map(p => `step ${p.step}: ${p.ref} is not in the catalog`);
        if (missing.has(serviceRef)) {
          problems.unshift(`service ${serviceRef} is not in the catalog`);
        }
        throw new InputError(`Invalid escalation rule: ${problems.join('; ')}`);
      }
    }
    const rule = await audited(
      ctx,
      req,
      'escalation-rule-mutate',
      { actionType: 'upsert', serviceRef },
      () =>
        stores.rules.upsert(
          serviceRef,
          { ...input, steps },
          actorOf(credentials),
          ctx.clock(),
        ),
    );
    res.json(rule);
  });

  router.delete('/services/:serviceRef/rule', async (req, res) => {
    await authorize(ctx, req, oncallRuleUpdatePermission);
    const serviceRef = normalizeRef(req.params.serviceRef, 'serviceRef');
    const deleted = await audited(
      ctx,
      req,
      'escalation-rule-mutate',
      { actionType: 'delete', serviceRef },
      () => stores.rules.delete(serviceRef),
    );
    if (!deleted)
      throw new NotFoundError(`No escalation rule for ${serviceRef}`);
    res.status(204).end();
  });

  return router;
}
