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

import type {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  type BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  dingtalkIntegrationReadPermission,
  dingtalkMessageSendPermission,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import type { GroupsStore } from '../database/GroupsStore';
import type { IntegrationRegistry } from '../service/IntegrationRegistry';
import type { Messenger } from '../service/Messenger';
import type { People } from '../service/People';

/**
 * The plugin's actions for the actions registry (and so for MCP clients such
 * as AI assistants). Each does what the matching REST route does, through
 * the same services and behind the same permission, for whoever invoked it.
 */
export function createDingtalkActions(deps: {
  actionsRegistry: ActionsRegistryService;
  permissions: PermissionsService;
  auditor: AuditorService;
  registry: IntegrationRegistry;
  groups: GroupsStore;
  messenger: Messenger;
  people: People;
}) {
  const { actionsRegistry, registry } = deps;

  // The registry only checks that someone is signed in; what they may do is
  // the REST API's rule, so ask the permission framework the same question.
  async function authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ) {
    const [decision] = await deps.permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You are not allowed to do this (${permission.name})`,
      );
    }
  }

  actionsRegistry.register({
    name: 'list-integrations',
    title: 'List DingTalk integrations',
    description:
      'Lists the DingTalk integrations (one per DingTalk organisation and app) with their id, name, corp id, edition and transport. ' +
      'Use an id from here as integrationId in the other DingTalk actions. Secrets are never returned.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z => z.object({}),
      output: z =>
        z.object({
          integrations: z.array(
            z.object({
              id: z.string(),
              name: z.string(),
              corpId: z.string(),
              agentId: z.string(),
              clientId: z.string(),
              edition: z
                .string()
                .describe(
                  'standard, professional or exclusive: sets the QPS and monthly quota',
                ),
              transport: z
                .string()
                .describe('http (event push) or stream (Stream mode)'),
              source: z
                .string()
                .describe(
                  'database (managed in Backstage) or config (read-only)',
                ),
            }),
          ),
        }),
    },
    action: async ({ credentials }) => {
      await authorize(credentials, dingtalkIntegrationReadPermission);
      const integrations = (await registry.list()).map(i => {
        const {
          id,
          name,
          corpId,
          agentId,
          clientId,
          edition,
          transport,
          source,
        } = registry.toPublic(i);
        return {
          id,
          name,
          corpId,
          agentId,
          clientId,
          edition,
          transport,
          source,
        };
      });
      return { output: { integrations } };
    },
  });

  actionsRegistry.register({
    name: 'list-group-chats',
    title: 'List DingTalk group chats',
    description:
      'Lists the DingTalk group chats where the Cool App is installed, i.e. the groups messages and alerts can be sent to. ' +
      "Returns each group's openConversationId (the id to send to) and title.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          integrationId: z
            .string()
            .max(64)
            .optional()
            .describe('The integration; may be omitted when there is only one'),
          query: z
            .string()
            .max(200)
            .optional()
            .describe('Part of the group title to search for'),
          limit: z.number().int().min(1).max(500).default(50),
          includeUninstalled: z
            .boolean()
            .default(false)
            .describe('Also list groups the Cool App was removed from'),
        }),
      output: z =>
        z.object({
          items: z.array(
            z.object({
              integrationId: z.string(),
              openConversationId: z.string(),
              chatId: z.string().optional(),
              title: z.string(),
              installed: z.boolean(),
              installedAt: z.string().optional(),
            }),
          ),
          total: z
            .number()
            .describe('Matching groups, counted exactly up to 1,000'),
          totalIsLowerBound: z
            .boolean()
            .optional()
            .describe('True when more than `total` groups match'),
        }),
    },
    action: async ({ input, credentials }) => {
      await authorize(credentials, dingtalkIntegrationReadPermission);
      const integration = await registry.resolve(input.integrationId);
      const { items, total, totalAtLeast } = await deps.groups.search(
        integration.id,
        {
          q: input.query?.trim() || undefined,
          limit: input.limit,
          offset: 0,
          includeUninstalled: input.includeUninstalled,
        },
      );
      return {
        output: {
          items: items.map(g => ({
            integrationId: g.integrationId,
            openConversationId: g.openConversationId,
            chatId: g.chatId ?? undefined,
            title: g.title,
            installed: g.installed,
            installedAt: g.installedAt ?? undefined,
          })),
          total: total ?? totalAtLeast ?? 0,
          ...(total === undefined ? { totalIsLowerBound: true } : {}),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'send-message',
    title: 'Send a DingTalk message',
    description:
      "Sends a text or markdown message from the DingTalk app's robot to Backstage users (user entity refs, e.g. user:default/alice; " +
      'they must have linked their DingTalk account) and/or to group chats (openConversationIds from list-group-chats). ' +
      'Returns one delivery record per recipient with its outcome.',
    attributes: { readOnly: false, idempotent: false, destructive: false },
    schema: {
      input: z =>
        z.object({
          integrationId: z.string().max(64).optional(),
          users: z
            .array(z.string().min(1).max(255))
            .max(1000)
            .optional()
            .describe('User entity refs'),
          groups: z
            .array(z.string().min(1).max(255))
            .max(1000)
            .optional()
            .describe('openConversationIds'),
          reference: z
            .string()
            .max(255)
            .optional()
            .describe(
              'Free text kept with the delivery records, e.g. an incident id',
            ),
          message: z.discriminatedUnion('type', [
            z.object({
              type: z.literal('text'),
              content: z.string().min(1).max(20_000),
            }),
            z.object({
              type: z.literal('markdown'),
              title: z.string().min(1).max(200),
              text: z.string().min(1).max(20_000),
            }),
          ]),
        }),
      output: z =>
        z.object({
          results: z.array(
            z.object({
              recipientType: z.string(),
              recipient: z.string(),
              dingtalkUserId: z.string().optional(),
              outcome: z
                .string()
                .describe(
                  "sent, 'app not linked', 'flow controlled', 'quota exhausted', failed, ...",
                ),
              error: z.string().optional(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      await authorize(credentials, dingtalkMessageSendPermission);
      const integration = await registry.resolve(input.integrationId);
      const results = await deps.messenger.send({
        integration,
        reference: input.reference,
        users: input.users,
        groups: input.groups,
        message: input.message,
      });
      return {
        output: {
          results: results.map(r => ({
            recipientType: r.recipientType,
            recipient: r.recipient,
            dingtalkUserId: r.dingtalkUserId ?? undefined,
            outcome: r.outcome,
            error: r.error ?? undefined,
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'create-war-room',
    title: 'Create a DingTalk war room',
    description:
      "Creates a DingTalk scene group (a war room) from the integration's group template, with an owner and members given as " +
      'user entity refs or mobile numbers. The uuid makes it idempotent: the same uuid returns the same group.',
    attributes: { readOnly: false, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          integrationId: z.string().max(64).optional(),
          title: z.string().min(1).max(200),
          ownerUserEntityRef: z.string().max(255).optional(),
          ownerMobile: z
            .string()
            .regex(/^\+?[0-9-]{5,20}$/)
            .optional(),
          members: z
            .object({
              userEntityRefs: z
                .array(z.string().min(1).max(255))
                .max(1000)
                .optional(),
              mobiles: z
                .array(z.string().regex(/^\+?[0-9-]{5,20}$/))
                .max(1000)
                .optional(),
            })
            .default({}),
          uuid: z
            .string()
            .min(1)
            .max(128)
            .describe('Idempotency key, e.g. the incident id'),
          reference: z.string().max(255).optional(),
        }),
      output: z =>
        z.object({
          openConversationId: z.string(),
          chatId: z.string().optional(),
          url: z.string().describe('Opens the group in DingTalk'),
          invited: z
            .array(z.string())
            .describe('Members added (user entity refs or mobiles)'),
          notFound: z.array(z.object({ who: z.string(), reason: z.string() })),
        }),
    },
    action: async ({ input, credentials }) => {
      await authorize(credentials, dingtalkMessageSendPermission);
      const integration = await registry.resolve(input.integrationId);
      const event = await deps.auditor.createEvent({
        eventId: 'warroom-create',
        severityLevel: 'medium',
        meta: {
          integrationId: integration.id,
          title: input.title,
          reference: input.reference ?? null,
          via: 'actions',
        },
      });
      try {
        const room = await deps.people.createWarRoom(integration, input);
        await event.success();
        const who = (m: { userEntityRef?: string; mobile?: string }) =>
          m.userEntityRef ?? m.mobile ?? '';
        return {
          output: {
            openConversationId: room.openConversationId,
            chatId: room.chatId ?? undefined,
            url: room.url,
            invited: room.invited.map(who),
            notFound: room.notFound.map(m => ({
              who: who(m),
              reason: m.reason ?? 'unknown',
            })),
          },
        };
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
  });
}
