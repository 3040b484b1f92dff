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

import { createHash } from 'node:crypto';
import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { DingtalkNotifierService } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import { examples } from './createWarRoom.examples';

/** Splits "people" given as user entity refs or mobile numbers. */
export function splitPeople(people: string[] = []) {
  const mobiles = people.filter(p => /^\+?[0-9][0-9-]{4,19}$/.test(p));
  const userEntityRefs = people
    .filter(p => !mobiles.includes(p))
    .map(p => (p.includes(':') ? p : `user:default/${p}`));
  return { mobiles, userEntityRefs };
}

/** @public */
export interface CreateWarRoomActionOptions {
  notifier: DingtalkNotifierService;
  /**
   * With these, a war room for an incident is handed to the incident plugin,
   * whose group bot card (Acknowledge, Resolve, ...) then opens the room.
   */
  incidents?: {
    discovery: Pick<DiscoveryService, 'getBaseUrl'>;
    auth: Pick<AuthService, 'getPluginRequestToken'>;
    /** The plugin serving `POST /dingtalk/incidents/:id/war-room`; default `oncall`. */
    pluginId?: string;
  };
}

/**
 * Creates a DingTalk war room (a scene group from the integration's group
 * template) for an incident, invites the responders and posts the incident.
 * @public
 */
export function createWarRoomAction(options: CreateWarRoomActionOptions) {
  return createTemplateAction({
    id: 'dingtalk:warroom:create',
    description:
      'Creates a DingTalk war room: a scene group from the integration group template, with the owner and members invited by account link or mobile number, and the incident posted by the group bot.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        integrationId: z =>
          z
            .string()
            .optional()
            .describe(
              'DingTalk integration id; optional when there is only one',
            ),
        title: z => z.string().min(1).max(100).describe('Group name'),
        owner: z =>
          z
            .string()
            .describe(
              'Owner: a Backstage user entity ref (user:default/alice) or a mobile number',
            ),
        members: z =>
          z
            .array(z.string())
            .default([])
            .describe('Members: user entity refs and/or mobile numbers'),
        incidentId: z =>
          z.string().optional().describe('The incident the war room is for'),
        message: z =>
          z
            .string()
            .optional()
            .describe('Markdown posted into the new group by the group bot'),
      },
      output: {
        openConversationId: z =>
          z.string().describe('The group conversation id'),
        chatId: z => z.string().optional().describe('The group chat id'),
        url: z =>
          z.string().describe('A link that opens the group in DingTalk'),
        notFound: z =>
          z.array(z.string()).describe('Members who could not be invited'),
        incidentLinked: z =>
          z
            .boolean()
            .describe(
              'Whether the incident plugin took the room and its bot posted the incident card',
            ),
      },
    },
    async handler(ctx) {
      const {
        integrationId,
        title,
        owner,
        members = [],
        incidentId,
        message,
      } = ctx.input;
      const people = splitPeople(members);
      const ownerIs = splitPeople([owner]);
      // The same task (a retry, a recovered run) always asks DingTalk with the
      // same uuid, and DingTalk never creates a second group for it.
      const uuid = createHash('sha256')
        .update(`${ctx.task.id}:${ctx.step?.id ?? ''}:${title}`)
        .digest('hex')
        .slice(0, 32);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create DingTalk war room "${title}" owned by ${owner} with ${
            members.length
          } member(s) (${members.join(', ') || 'none'})${
            incidentId ? ` for incident ${incidentId}` : ''
          }`,
        );
        ctx.output('openConversationId', 'dry-run-open-conversation-id');
        ctx.output('url', 'dingtalk://dry-run');
        ctx.output('notFound', []);
        ctx.output('incidentLinked', false);
        return;
      }
      const room = await ctx.checkpoint({
        key: `dingtalk.warroom.create.${uuid}`,
        fn: async () => {
          const created = await options.notifier.createWarRoom({
            integrationId,
            title,
            ownerUserEntityRef: ownerIs.userEntityRefs[0],
            ownerMobile: ownerIs.mobiles[0],
            members: people,
            uuid,
            reference: incidentId,
            // For an incident the incident's own card is posted below instead.
            message:
              message && !(incidentId && options.incidents)
                ? { type: 'markdown', title, text: message }
                : undefined,
          });
          return {
            integrationId: created.integrationId ?? integrationId ?? '',
            openConversationId: created.openConversationId,
            chatId: created.chatId ?? '',
            url: created.url,
            notFound: created.notFound.map(
              n => n.userEntityRef ?? n.mobile ?? '?',
            ),
            reasons: created.notFound.map(n => n.reason ?? ''),
          };
        },
      });
      room.notFound.forEach((who, i) =>
        ctx.logger.warn(
          `${who} was not invited: ${
            room.reasons[i] || 'not found in DingTalk'
          }`,
        ),
      );
      let incidentLinked = false;
      if (incidentId && options.incidents) {
        const incidents = options.incidents;
        // Its own checkpoint: a retry after the group was made still hands it over, once.
        const handed = await ctx.checkpoint({
          key: `dingtalk.warroom.incident.${uuid}`,
          fn: async () => {
            try {
              await adoptForIncident(incidents, ctx, incidentId, {
                integrationId: room.integrationId || undefined,
                openConversationId: room.openConversationId,
                url: room.url,
              });
              return { ok: true, reason: '' };
            } catch (e) {
              // A refusal (no such incident, no incident plugin) is final: go
              // on without it. Anything else fails the step, and a retry of
              // the task hands the same room over.
              if (e instanceof ResponseError && e.response.status < 500)
                return { ok: false, reason: e.message };
              throw e;
            }
          },
        });
        incidentLinked = handed.ok;
        if (handed.ok) {
          ctx.logger.info(
            `Incident ${incidentId} now has this war room; its group bot posted the incident card`,
          );
        } else {
          // The room exists and people are in it: tell them in words instead.
          ctx.logger.warn(
            `Incident ${incidentId} could not take the war room: ${handed.reason}`,
          );
          if (message) {
            await ctx.checkpoint({
              key: `dingtalk.warroom.message.${uuid}`,
              fn: async () => {
                await options.notifier.postToWarRoom({
                  integrationId: room.integrationId || undefined,
                  openConversationId: room.openConversationId,
                  reference: incidentId,
                  message: { type: 'markdown', title, text: message },
                });
                return true;
              },
            });
          }
        }
      }
      ctx.logger.info(
        `DingTalk war room "${title}" is ${room.openConversationId}`,
      );
      ctx.output('openConversationId', room.openConversationId);
      if (room.chatId) ctx.output('chatId', room.chatId);
      ctx.output('url', room.url);
      ctx.output('notFound', room.notFound);
      ctx.output('incidentLinked', incidentLinked);
    },
  });
}

/** The incident plugin's war-room API, called on behalf of whoever ran the template. */
async function adoptForIncident(
  incidents: NonNullable<CreateWarRoomActionOptions['incidents']>,
  ctx: { getInitiatorCredentials(): Promise<any> },
  incidentId: string,
  room: { integrationId?: string; openConversationId: string; url: string },
) {
  const pluginId = incidents.pluginId ?? 'oncall';
  const baseUrl = await incidents.discovery.getBaseUrl(pluginId);
  const { token } = await incidents.auth.getPluginRequestToken({
    onBehalfOf: await ctx.getInitiatorCredentials(),
    targetPluginId: pluginId,
  });
  const res = await fetch(
    `${baseUrl}/dingtalk/incidents/${encodeURIComponent(incidentId)}/war-room`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(room),
    },
  );
  if (!res.ok) {
    const error = await ResponseError.fromResponse(res);
    // the incident plugin's own reason, e.g. "No incident INC-404"
    error.message = (error.body as any)?.error?.message ?? error.message;
    throw error;
  }
}
