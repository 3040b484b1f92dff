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

// The request bodies of the sending and war-room routes (what
// dingtalkNotifierServiceRef's client sends).

export const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), content: z.string().min(1).max(20_000) }),
  z.object({
    type: z.literal('markdown'),
    title: z.string().min(1).max(200),
    text: z.string().min(1).max(20_000),
  }),
  z.object({
    type: z.literal('card'),
    outTrackId: z
      .string()
      .regex(
        /^[A-Za-z0-9._:-]{1,128}$/,
        'outTrackId: 1-128 letters, digits, . _ : -',
      ),
    title: z.string().min(1).max(200),
    markdown: z.string().max(20_000),
    cardParamMap: z.record(z.string().max(20_000)).optional(),
    actions: z
      .array(
        z.object({
          id: z.string().max(64),
          label: z.string().max(64),
          params: z.record(z.string()).optional(),
          url: z.string().url().optional(),
        }),
      )
      .max(10)
      .optional(),
    callback: z
      .object({
        pluginId: z.string().regex(/^[a-z0-9-]+$/),
        path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/),
      })
      .optional(),
    atUserIds: z.array(z.string()).max(100).optional(),
  }),
]);

export const refList = z.array(z.string().min(1).max(255)).max(1000);
export const mobileList = z
  .array(z.string().regex(/^\+?[0-9-]{5,20}$/, 'mobile numbers are digits'))
  .max(1000);
export const integrationIdOpt = z.string().max(64).optional();

export const sendSchema = z
  .object({
    integrationId: integrationIdOpt,
    reference: z.string().max(255).optional(),
    users: refList.optional(),
    groups: refList.optional(),
    message: messageSchema,
  })
  .strict();
export const cardUpdateSchema = z
  .object({
    integrationId: integrationIdOpt,
    outTrackId: z.string().min(1).max(128),
    cardParamMap: z.record(z.string().max(20_000)),
  })
  .strict();
export const resolveSchema = z
  .object({
    integrationId: integrationIdOpt,
    userEntityRefs: refList.optional(),
    mobiles: mobileList.optional(),
  })
  .strict();
export const warRoomSchema = z
  .object({
    integrationId: integrationIdOpt,
    title: z.string().min(1).max(200),
    ownerUserEntityRef: z.string().max(255).optional(),
    ownerMobile: z
      .string()
      .regex(/^\+?[0-9-]{5,20}$/)
      .optional(),
    members: z
      .object({
        userEntityRefs: refList.optional(),
        mobiles: mobileList.optional(),
      })
      .default({}),
    uuid: z.string().min(1).max(128),
    reference: z.string().max(255).optional(),
    message: messageSchema.optional(),
  })
  .strict();
export const warRoomMessageSchema = z
  .object({
    integrationId: integrationIdOpt,
    reference: z.string().max(255).optional(),
    message: messageSchema,
  })
  .strict();
