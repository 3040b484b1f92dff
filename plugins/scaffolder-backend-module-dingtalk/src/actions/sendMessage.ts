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

import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { examples } from './sendMessage.examples';

/**
 * Sends a text, markdown or card message to users and/or group chats.
 * @public
 */
export function createSendMessageAction(options: {
  notifier: DingtalkNotifierService;
}) {
  return createTemplateAction({
    id: 'dingtalk:message:send',
    description:
      'Sends a DingTalk message (text, markdown or card) to Backstage users (through their linked accounts) and/or group chats.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        integrationId: z =>
          z.string().optional().describe('DingTalk integration id'),
        users: z =>
          z
            .array(z.string())
            .default([])
            .describe('Backstage user entity refs'),
        groups: z =>
          z
            .array(z.string())
            .default([])
            .describe('Group chats (openConversationId)'),
        type: z =>
          z
            .enum(['text', 'markdown', 'card'])
            .default('markdown')
            .describe('Message type'),
        title: z =>
          z.string().default('Backstage').describe('Title (markdown and card)'),
        text: z => z.string().describe('The message'),
      },
      output: {
        sent: z => z.number().describe('Recipients reached'),
        notSent: z =>
          z
            .array(z.string())
            .describe('Recipients not reached, with the reason'),
      },
    },
    async handler(ctx) {
      // Defaults again here: the schema's apply when the scaffolder parses the
      // input, not when the action is called directly (tests, other callers).
      const {
        integrationId,
        users = [],
        groups = [],
        type = 'markdown',
        title = 'Backstage',
        text,
      } = ctx.input;
      if (users.length + groups.length === 0)
        throw new InputError('Give at least one user or group');
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would send a ${type} message to ${[
            ...users,
            ...groups,
          ].join(', ')}`,
        );
        ctx.output('sent', 0);
        ctx.output('notSent', []);
        return;
      }
      const outTrackId = `scaffolder-${ctx.task.id}-${
        ctx.step?.id ?? 'message'
      }`
        .replace(/[^A-Za-z0-9._:-]/g, '-')
        .slice(0, 128);
      const results = await ctx.checkpoint({
        key: `dingtalk.message.send.${outTrackId}`,
        fn: async () => {
          const messages = {
            text: { type: 'text', content: text },
            markdown: { type: 'markdown', title, text },
            card: { type: 'card', outTrackId, title, markdown: text },
          } as const;
          const message = messages[type];
          const { results: r } = await options.notifier.send({
            integrationId,
            users,
            groups,
            message,
            reference: ctx.task.id,
          });
          return r.map(x => ({
            recipient: x.recipient,
            outcome: x.outcome,
            error: x.error ?? '',
          }));
        },
      });
      const notSent = results
        .filter(r => r.outcome !== 'sent')
        .map(
          r => `${r.recipient}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`,
        );
      notSent.forEach(n => ctx.logger.warn(`Not sent: ${n}`));
      ctx.output('sent', results.length - notSent.length);
      ctx.output('notSent', notSent);
    },
  });
}
