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

import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { splitPeople } from './createWarRoom';
import { examples } from './inviteToWarRoom.examples';

/**
 * Adds people to an existing DingTalk war room.
 * @public
 */
export function createInviteToWarRoomAction(options: {
  notifier: DingtalkNotifierService;
}) {
  return createTemplateAction({
    id: 'dingtalk:warroom:invite',
    description:
      'Adds members (user entity refs and/or mobile numbers) to an existing DingTalk war room.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        integrationId: z =>
          z.string().optional().describe('DingTalk integration id'),
        openConversationId: z =>
          z.string().describe('The war room (openConversationId)'),
        members: z =>
          z
            .array(z.string())
            .min(1)
            .describe('User entity refs and/or mobile numbers'),
      },
      output: {
        invited: z => z.array(z.string()).describe('Who was invited'),
        notFound: z =>
          z.array(z.string()).describe('Who could not be found in DingTalk'),
      },
    },
    async handler(ctx) {
      const { integrationId, openConversationId, members } = ctx.input;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would invite ${members.join(
            ', ',
          )} to ${openConversationId}`,
        );
        ctx.output('invited', []);
        ctx.output('notFound', []);
        return;
      }
      const result = await ctx.checkpoint({
        key: `dingtalk.warroom.invite.${openConversationId}.${members.join(
          ',',
        )}`,
        fn: async () => {
          const r = await options.notifier.inviteToWarRoom({
            integrationId,
            openConversationId,
            ...splitPeople(members),
          });
          return {
            invited: r.invited.map(m => m.userEntityRef ?? m.mobile ?? ''),
            notFound: r.notFound.map(
              m => `${m.userEntityRef ?? m.mobile}: ${m.reason ?? 'not found'}`,
            ),
          };
        },
      });
      result.notFound.forEach(n => ctx.logger.warn(`Not invited: ${n}`));
      ctx.output('invited', result.invited);
      ctx.output('notFound', result.notFound);
    },
  });
}
