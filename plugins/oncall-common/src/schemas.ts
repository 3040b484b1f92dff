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
import { z } from 'zod';

const ENTITY_REF = /^[A-Za-z0-9_-]+:([A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/;

/** A catalog entity ref such as `component:default/payments`. @public */
export const entityRefSchema = z
  .string({
    required_error: 'is required',
    invalid_type_error: 'must be a string',
  })
  .trim()
  .max(255, 'must be at most 255 characters')
  .regex(ENTITY_REF, 'must be an entity ref like "kind:namespace/name"');

const refOfKind = (kind: string) =>
  entityRefSchema.refine(v => v.toLowerCase().startsWith(`${kind}:`), {
    message: `must be a ${kind} entity ref like "${kind}:default/name"`,
  });

/** @public */
export const userRefSchema = refOfKind('user');
/** @public */
export const groupRefSchema = refOfKind('group');

/** @public */
export const severitySchema = z.enum(['critical', 'warning', 'info'], {
  errorMap: () => ({ message: 'must be one of critical, warning, info' }),
});

/** @public */
export const incidentStatusSchema = z.enum(
  ['triggered', 'acknowledged', 'resolved'],
  {
    errorMap: () => ({
      message: 'must be one of triggered, acknowledged, resolved',
    }),
  },
);

/** Label maps: at most 64 labels, string keys and values. @public */
export const labelsSchema = z
  .record(
    z.string().min(1).max(128, 'label names must be at most 128 characters'),
    z.string().max(1024, 'label values must be at most 1024 characters'),
    { invalid_type_error: 'must be an object of string values' },
  )
  .refine(l => Object.keys(l).length <= 64, {
    message: 'must have at most 64 labels',
  });

const title = z
  .string({
    required_error: 'is required',
    invalid_type_error: 'must be a string',
  })
  .trim()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters');
const description = z
  .string({ invalid_type_error: 'must be a string' })
  .max(16384, 'must be at most 16384 characters');
const alertKey = z
  .string({ invalid_type_error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters');

/** The documented JSON alert event. @public */
export const alertEventSchema = z
  .object({
    title,
    severity: severitySchema.optional(),
    description: description.optional(),
    alertKey: alertKey.optional(),
    labels: labelsSchema.optional(),
    status: z
      .enum(['firing', 'resolved'], {
        errorMap: () => ({ message: 'must be "firing" or "resolved"' }),
      })
      .optional(),
  })
  .strict();

/** One alert of an Alertmanager webhook payload. @public */
export const alertmanagerAlertSchema = z
  .object({
    status: z.enum(['firing', 'resolved'], {
      errorMap: () => ({ message: 'must be "firing" or "resolved"' }),
    }),
    labels: labelsSchema,
    annotations: z.record(z.string()).optional(),
    startsAt: z.string().optional(),
    endsAt: z.string().optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().max(255).optional(),
  })
  .passthrough();

/**
 * Prometheus Alertmanager webhook payload (version 4), also what a Grafana
 * Alerting webhook contact point sends (the same shape, version 1).
 * @public
 */
export const alertmanagerPayloadSchema = z
  .object({
    version: z.enum(['4', '1'], {
      errorMap: () => ({
        message: 'must be "4" (Alertmanager) or "1" (Grafana Alerting)',
      }),
    }),
    groupKey: z.string().optional(),
    status: z.string().optional(),
    receiver: z.string().optional(),
    commonLabels: z.record(z.string()).optional(),
    commonAnnotations: z.record(z.string()).optional(),
    externalURL: z.string().optional(),
    alerts: z
      .array(alertmanagerAlertSchema)
      .min(1, 'must contain at least one alert')
      .max(1000, 'must contain at most 1000 alerts'),
  })
  .passthrough();

/** @public */
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

/** Body of `POST /incidents`. @public */
export const incidentCreateSchema = z
  .object({
    title,
    description: description.optional(),
    severity: severitySchema.default('warning'),
    serviceRef: entityRefSchema,
    labels: labelsSchema.optional(),
    alertKey: alertKey.optional(),
  })
  .strict();
/** @public */
export type IncidentCreateRequest = z.input<typeof incidentCreateSchema>;

const csvOrArray = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(v => {
    if (v === undefined || v === '') return undefined;
    const arr = Array.isArray(v) ? v : [v];
    return arr
      .flatMap(x => String(x).split(','))
      .map(x => x.trim())
      .filter(Boolean);
  }, z.array(item).optional());

/** Query of `GET /incidents`. @public */
export const incidentListQuerySchema = z.object({
  status: csvOrArray(incidentStatusSchema),
  severity: csvOrArray(severitySchema),
  serviceRef: entityRefSchema.optional(),
  responder: userRefSchema.optional(),
  alertKey: alertKey.optional(),
  /** Case-insensitive substring of the title. */
  q: z.string().max(200, 'must be at most 200 characters').optional(),
  limit: z.coerce
    .number({ invalid_type_error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .default(50),
  offset: z.coerce
    .number({ invalid_type_error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must not be negative')
    // Unbounded, 1e20 reached the database and failed there with a 500.
    .max(10_000_000, 'must be at most 10000000')
    .default(0),
});
/** @public */
export type IncidentListQuery = z.infer<typeof incidentListQuerySchema>;

/** Body of acknowledge / resolve (optional note). @public */
export const incidentNoteSchema = z
  .object({
    note: z.string().max(4000, 'must be at most 4000 characters').optional(),
  })
  .strict();

/** Body of `POST /incidents/:id/reassign`. @public */
export const incidentReassignSchema = z
  .object({
    assignee: userRefSchema,
    note: z.string().max(4000, 'must be at most 4000 characters').optional(),
  })
  .strict();

/** Body of `POST /incidents/:id/snooze`. @public */
export const incidentSnoozeSchema = z
  .object({
    minutes: z
      .number({
        required_error: 'is required',
        invalid_type_error: 'must be a number',
      })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(10080, 'must be at most 10080 (7 days)'),
  })
  .strict();

/** Body of `POST /incidents/:id/comment`. @public */
export const incidentCommentSchema = z
  .object({
    text: z
      .string({
        required_error: 'is required',
        invalid_type_error: 'must be a string',
      })
      .trim()
      .min(1, 'must not be empty')
      .max(4000, 'must be at most 4000 characters'),
  })
  .strict();

/** @public */
export const escalationTargetSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('user'), ref: userRefSchema }).strict(),
    z.object({ type: z.literal('group'), ref: groupRefSchema }).strict(),
    z
      .object({
        type: z.literal('channel'),
        channel: z
          .string({ required_error: 'is required' })
          .regex(
            /^[a-z0-9][a-z0-9_-]{0,63}$/,
            'must be a channel id like "dingtalk"',
          ),
        id: z
          .string({ required_error: 'is required' })
          .min(1, 'must not be empty')
          .max(255),
        title: z.string().max(255).optional(),
        integrationId: z.string().max(255).optional(),
      })
      .strict(),
  ],
  {
    errorMap: (issue, ctx) =>
      issue.code === 'invalid_union_discriminator'
        ? { message: 'type must be one of user, group, channel' }
        : { message: ctx.defaultError },
  },
);

/** @public */
export const escalationStepSchema = z
  .object({
    delayMinutes: z
      .number({
        required_error: 'is required',
        invalid_type_error: 'must be a number',
      })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(1440, 'must be at most 1440 (24 hours)'),
    targets: z
      .array(escalationTargetSchema)
      .min(1, 'a step needs at least one target')
      .max(50, 'a step has at most 50 targets'),
  })
  .strict();

/** Body of `PUT /services/:serviceRef/rule`. @public */
export const escalationRuleUpsertSchema = z
  .object({
    name: title,
    steps: z
      .array(escalationStepSchema)
      .min(1, 'a rule needs at least one step')
      .max(20, 'a rule has at most 20 steps'),
    repeat: z
      .number({ invalid_type_error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must not be negative')
      .max(10, 'must be at most 10')
      .default(0),
    repeatDelayMinutes: z
      .number({ invalid_type_error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(1440, 'must be at most 1440')
      .optional(),
  })
  .strict();
/** @public */
export type EscalationRuleUpsertRequest = z.input<
  typeof escalationRuleUpsertSchema
>;

/** Body of `POST /services/:serviceRef/webhooks`. @public */
export const webhookCreateSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(128)
      .default('default'),
  })
  .strict();

/** Body of `PATCH /services/:serviceRef/webhooks/:id`. @public */
export const webhookRenameSchema = z
  .object({
    name: z
      .string({ required_error: 'is required' })
      .trim()
      .min(1, 'must not be empty')
      .max(128),
  })
  .strict();

/** Body of `POST /incidents/:id/war-room`. @public */
export const warRoomCreateSchema = z
  .object({
    channel: z
      .string({ required_error: 'is required' })
      .regex(
        /^[a-z0-9][a-z0-9_-]{0,63}$/,
        'must be a channel id like "dingtalk"',
      ),
  })
  .strict();

/** Body of `PUT /me/notification-preferences`. @public */
export const notificationPreferencesSchema = z
  .object({
    channels: z
      .record(
        z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9_-]{0,63}$/,
            'must be a channel id like "dingtalk"',
          ),
        z.object({ direct: z.boolean() }).strict(),
      )
      .refine(c => Object.keys(c).length <= 32, {
        message: 'must name at most 32 channels',
      })
      .default({}),
    pausedUntil: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO date-time' })
      .optional(),
  })
  .strict();

/** Query of `GET /channels/:channel/targets`. @public */
export const channelTargetsQuerySchema = z.object({
  q: z.string().max(200, 'must be at most 200 characters').optional(),
  limit: z.coerce
    .number({ invalid_type_error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(200, 'must be at most 200')
    .default(50),
  cursor: z.string().max(1024).optional(),
});

/**
 * Formats a zod error as `field: reason; field: reason` for 400 answers.
 * @public
 */
export function formatZodError(error: z.ZodError, prefix?: string): string {
  const reasons = error.issues.map(issue => {
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return `${prefix ? `${prefix}: ` : ''}${reasons.join('; ')}`;
}
