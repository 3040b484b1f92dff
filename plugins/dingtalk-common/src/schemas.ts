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

const AES_KEY = /^[A-Za-z0-9+/]{43}$/;

/**
 * An event-subscription aes_key: 43 characters of the base64 alphabet that
 * decode (with a trailing `=`) to the 32 bytes of an AES-256 key.
 * @public
 */
export const aesKeySchema = z
  .string()
  .trim()
  .refine(v => v.length === 43, {
    message: 'aes_key must be exactly 43 characters (DingTalk generates it)',
  })
  .refine(v => v.length !== 43 || AES_KEY.test(v), {
    message: 'aes_key may only contain letters, digits, + and /',
  });

const required = (label: string, max: number) =>
  z
    .string({ required_error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`)
    .max(max, `${label} must be at most ${max} characters`);

/** Integration ids appear in URLs DingTalk calls; keep them simple. @public */
export const integrationIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,62}$/,
    'id must be 2-63 lowercase letters, digits or dashes, starting with a letter or digit',
  );

const warRoomSchema = z
  .object({
    templateId: z.string().trim().max(128).optional(),
    botId: z.string().trim().max(128).optional(),
  })
  .strict();

/**
 * Per-integration corrections of the edition's limits; `{}` (or a value left
 * out) is the edition's table.
 */
const limitsSchema = z
  .object({
    qps: z
      .number({ invalid_type_error: 'limits.qps must be a number' })
      .int('limits.qps must be a whole number')
      .min(1, 'limits.qps must be at least 1')
      .max(10_000, 'limits.qps must be at most 10000')
      .optional(),
    monthlyQuota: z
      .number({ invalid_type_error: 'limits.monthlyQuota must be a number' })
      .int('limits.monthlyQuota must be a whole number')
      .min(1, 'limits.monthlyQuota must be at least 1')
      .max(1_000_000_000, 'limits.monthlyQuota must be at most 1000000000')
      .optional(),
  })
  .strict();

const baseFields = {
  name: required('Name', 100),
  corpId: required('CorpId', 64).regex(
    /^[A-Za-z0-9_-]+$/,
    'CorpId may only contain letters, digits, _ and -',
  ),
  agentId: required('AgentId', 32).regex(/^\d+$/, 'AgentId must be digits'),
  clientId: required('Client ID', 64).regex(
    /^[A-Za-z0-9_-]+$/,
    'Client ID may only contain letters, digits, _ and -',
  ),
  clientSecret: required('Client Secret', 256),
  aesKey: aesKeySchema,
  token: required('Signature Token', 128),
  edition: z.enum(['standard', 'professional', 'exclusive'], {
    errorMap: () => ({
      message: 'edition must be standard, professional or exclusive',
    }),
  }),
  transport: z.enum(['http', 'stream']).default('http'),
  warRoom: warRoomSchema.default({}),
  limits: limitsSchema.optional(),
};

/** Body of `POST /integrations`. @public */
export const integrationCreateSchema = z
  .object({ id: integrationIdSchema.optional(), ...baseFields })
  .strict();

/**
 * Body of `PUT /integrations/:id`: any subset; a secret left out keeps its
 * stored value, so the form never needs to know it.
 * @public
 */
export const integrationUpdateSchema = z
  .object({
    name: baseFields.name.optional(),
    corpId: baseFields.corpId.optional(),
    agentId: baseFields.agentId.optional(),
    clientId: baseFields.clientId.optional(),
    clientSecret: baseFields.clientSecret.optional(),
    aesKey: aesKeySchema.optional(),
    token: baseFields.token.optional(),
    edition: baseFields.edition.optional(),
    transport: z.enum(['http', 'stream']).optional(),
    warRoom: warRoomSchema.optional(),
    /** Replaces the whole override; `{}` goes back to the edition's table. */
    limits: limitsSchema.optional(),
  })
  .strict();

/** @public */
export type DingtalkIntegrationCreate = z.infer<typeof integrationCreateSchema>;
/** @public */
export type DingtalkIntegrationUpdate = z.infer<typeof integrationUpdateSchema>;

/** One line per problem, `field: reason`, for error messages. @public */
export function formatValidationError(error: z.ZodError): string {
  return error.issues
    .map(i => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
