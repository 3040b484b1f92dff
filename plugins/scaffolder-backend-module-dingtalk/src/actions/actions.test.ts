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

import type { JsonObject } from '@backstage/types';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import dingtalkPlugin from '@dingtalk-oncall/backstage-plugin-dingtalk-backend';
import oncallPlugin from '@dingtalk-oncall/backstage-plugin-oncall-backend';
import oncallModuleDingtalk from '@dingtalk-oncall/backstage-plugin-oncall-backend-module-dingtalk';
import { DefaultDingtalkNotifier } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import {
  createEmulator,
  EmulatorHandle,
} from '@dingtalk-oncall/dingtalk-emulator';
import yaml from 'yaml';
import { createWarRoomAction } from './createWarRoom';
import { examples } from './createWarRoom.examples';
import { createInviteToWarRoomAction } from './inviteToWarRoom';
import { examples as inviteExamples } from './inviteToWarRoom.examples';
import { createSendMessageAction } from './sendMessage';
import { examples as sendExamples } from './sendMessage.examples';

const APP = {
  corpId: 'dingcorp',
  appKey: 'dingclient',
  appSecret: 'client-secret-value-0123456789',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'signature-token',
};

/** The task log, as lines: what a person sees in the scaffolder's log view. */
function taskLog() {
  const lines: string[] = [];
  const logger: any = {
    lines,
    child: () => logger,
  };
  for (const level of ['error', 'warn', 'info', 'debug']) {
    logger[level] = (message: string) => lines.push(`${level}: ${message}`);
  }
  return logger;
}

/**
 * Runs of one task that keep their checkpoints, as the scaffolder does: a
 * checkpoint that completed returns its stored value on a retry instead of
 * running again (createMockActionContext's own checkpoint always runs).
 */
function taskRuns(taskId: string) {
  const done = new Map<string, unknown>();
  return (input: JsonObject) => {
    const ctx = createMockActionContext({
      input,
      task: { id: taskId } as any,
      logger: taskLog(),
    });
    ctx.checkpoint = (async ({
      key,
      fn,
    }: {
      key: string;
      fn: () => Promise<unknown>;
    }) => {
      if (!done.has(key)) done.set(key, await fn());
      return done.get(key);
    }) as any;
    return ctx;
  };
}

describe('DingTalk scaffolder actions against a real dingtalk backend and the emulator', () => {
  let emu: EmulatorHandle;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let notifier: DefaultDingtalkNotifier;
  let incidents: {
    discovery: { getBaseUrl(id: string): Promise<string> };
    auth: ReturnType<typeof mockServices.auth>;
  };
  let api: (
    path: string,
    init?: RequestInit & { headers?: Record<string, string> },
  ) => Promise<Response>;

  beforeAll(async () => {
    emu = await createEmulator();
    emu.control.createApp({ ...APP, edition: 'standard' });
    emu.control.createSceneGroupTemplate({
      corpId: APP.corpId,
      templateId: 'tpl',
      botId: 'group-bot',
    });
    for (const [userId, mobile] of [
      ['alice', '13800000001'],
      ['bob', '13800000002'],
      ['carol', '13800000003'],
    ]) {
      emu.control.createUser({
        corpId: APP.corpId,
        userId,
        name: userId,
        mobile,
      });
    }
    backend = await startTestBackend({
      features: [
        dingtalkPlugin,
        // The host on-call plugin with its DingTalk channel: a war room for an
        // incident is handed to it over its HTTP API.
        oncallPlugin,
        oncallModuleDingtalk,
        catalogServiceMock.factory({
          entities: [
            ...['alice', 'bob'].map((name, i) => ({
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: {
                name,
                namespace: 'default',
                annotations: { 'dingtalk.com/mobile': `1380000000${i + 1}` },
              },
              spec: {},
            })),
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'checkout-api', namespace: 'default' },
              spec: { type: 'service', owner: 'sre' },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
            dingtalk: {
              apiBaseUrl: emu.baseUrl,
              oapiBaseUrl: emu.baseUrl,
              encryptionKey: 'test-encryption-key-0123456789abcdef',
              integrations: [
                {
                  id: 'demo',
                  corpId: APP.corpId,
                  agentId: '1',
                  clientId: APP.appKey,
                  clientSecret: APP.appSecret,
                  aesKey: APP.aesKey,
                  token: APP.token,
                  warRoom: { templateId: 'tpl', botId: 'group-bot' },
                },
              ],
            },
          },
        }),
      ],
    });
    const port = backend.server.port();
    notifier = new DefaultDingtalkNotifier({
      discovery: {
        getBaseUrl: async () => `http://localhost:${port}/api/dingtalk`,
      },
      auth: mockServices.auth(),
    });
    incidents = {
      discovery: {
        getBaseUrl: async (id: string) => `http://localhost:${port}/api/${id}`,
      },
      auth: mockServices.auth(),
    };
    api = (path, init = {}) =>
      fetch(`http://localhost:${port}/api${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          authorization: mockCredentialsHeader(),
          ...init.headers,
        },
      });
    // alice and bob link their accounts (one-click link by mobile)
    await fetch(
      `http://localhost:${port}/api/dingtalk/integrations/demo/links/link-all-by-mobile`,
      {
        method: 'POST',
        headers: { authorization: mockCredentialsHeader() },
      },
    );
  });
  afterAll(async () => {
    await backend.stop();
    await emu.close();
  });

  it('creates exactly one war room even when the task is retried after the create call', async () => {
    const action = createWarRoomAction({ notifier });
    const input = {
      title: 'INC-7 Checkout down',
      owner: 'user:default/alice',
      members: ['user:default/bob', '13800000003', '19900000000'],
      incidentId: 'INC-7',
      message: '**Checkout down**',
    };
    const first = createMockActionContext({
      input,
      task: { id: 'task-1' } as any,
      logger: taskLog(),
    });
    await action.handler(first as any);
    // The task runs again (e.g. the backend restarted after the create call).
    const retry = createMockActionContext({
      input,
      task: { id: 'task-1' } as any,
    });
    await action.handler(retry as any);

    const rooms = emu.control.groups().filter(g => g.templateId === 'tpl');
    expect(rooms).toHaveLength(1);
    expect(rooms[0]).toMatchObject({
      title: 'INC-7 Checkout down',
      ownerUserId: 'alice',
    });
    expect(rooms[0].members.sort()).toEqual(['alice', 'bob', 'carol']);
    expect(first.output).toHaveBeenCalledWith(
      'openConversationId',
      rooms[0].openConversationId,
    );
    expect(retry.output).toHaveBeenCalledWith(
      'openConversationId',
      rooms[0].openConversationId,
    );
    // the group bot posted the incident
    expect(
      emu.control.messages({
        openConversationId: rooms[0].openConversationId,
      })[0],
    ).toMatchObject({ robotCode: 'group-bot' });
    // the unknown mobile is named in the task log; the others were invited
    expect((first.logger as any).lines).toContainEqual(
      expect.stringMatching(/^warn: 19900000000 was not invited/),
    );
    expect(first.output).toHaveBeenCalledWith('notFound', ['19900000000']);
  });

  it('hands a war room for an incident to the incident plugin, whose group bot posts the incident card, once', async () => {
    const created = await api('/oncall/incidents', {
      method: 'POST',
      body: JSON.stringify({
        title: 'Payments failing',
        severity: 'critical',
        serviceRef: 'component:default/checkout-api',
      }),
    });
    expect(created.status).toBe(201);
    const incident = await created.json();
    const action = createWarRoomAction({ notifier, incidents });
    const input = {
      title: `${incident.id} Payments`,
      owner: 'user:default/alice',
      members: ['user:default/bob'],
      incidentId: incident.id,
      message: 'war room',
    };
    const first = createMockActionContext({
      input,
      task: { id: 'task-incident' } as any,
      logger: taskLog(),
    });
    await action.handler(first as any);
    // retried after both calls: still one group, one card
    await action.handler(
      createMockActionContext({
        input,
        task: { id: 'task-incident' } as any,
      }) as any,
    );

    const rooms = emu.control
      .groups()
      .filter(g => g.title === `${incident.id} Payments`);
    expect(rooms).toHaveLength(1);
    const posted = emu.control.cards({
      openConversationId: rooms[0].openConversationId,
    });
    expect(posted).toHaveLength(1);
    // the interactive incident card, from the template's group bot, not a markdown message
    expect(posted[0]).toMatchObject({ groupRobotCode: 'group-bot' });
    expect(posted[0].cardParamMap.title).toContain('Payments failing');
    expect(
      emu.control.messages({ openConversationId: rooms[0].openConversationId }),
    ).toHaveLength(0);
    expect(first.output).toHaveBeenCalledWith('incidentLinked', true);
    expect((first.logger as any).lines).toContainEqual(
      `info: Incident ${incident.id} now has this war room; its group bot posted the incident card`,
    );
    // the incident knows its war room
    const detail = await (await api(`/oncall/incidents/${incident.id}`)).json();
    expect(JSON.stringify(detail.timeline)).toContain(
      rooms[0].openConversationId,
    );
  });

  it('fails the step while the incident plugin cannot be reached, and the retried task hands the same room over', async () => {
    const incident = await (
      await api('/oncall/incidents', {
        method: 'POST',
        body: JSON.stringify({
          title: 'Queue backlog',
          severity: 'warning',
          serviceRef: 'component:default/checkout-api',
        }),
      })
    ).json();
    const run = taskRuns('task-unreachable');
    const input = {
      title: `${incident.id} Backlog`,
      owner: 'user:default/alice',
      members: [],
      incidentId: incident.id,
      message: 'backlog',
    };
    const down = {
      discovery: { getBaseUrl: async () => 'http://127.0.0.1:1/api/oncall' },
      auth: mockServices.auth(),
    };
    await expect(
      createWarRoomAction({ notifier, incidents: down }).handler(
        run(input) as any,
      ),
    ).rejects.toThrow();
    const retried = run(input);
    await createWarRoomAction({ notifier, incidents }).handler(retried as any);
    const rooms = emu.control
      .groups()
      .filter(g => g.title === `${incident.id} Backlog`);
    expect(rooms).toHaveLength(1);
    expect(
      emu.control.cards({ openConversationId: rooms[0].openConversationId }),
    ).toEqual([expect.objectContaining({ groupRobotCode: 'group-bot' })]);
    expect(retried.output).toHaveBeenCalledWith('incidentLinked', true);
  });

  it('tells an unknown incident in the task log and posts the message instead', async () => {
    const ctx = createMockActionContext({
      input: {
        title: 'INC-404 Nowhere',
        owner: 'user:default/alice',
        members: [],
        incidentId: 'INC-404',
        message: '**meet here**',
      },
      task: { id: 'task-404' } as any,
      logger: taskLog(),
    });
    await createWarRoomAction({ notifier, incidents }).handler(ctx as any);
    const room = emu.control.groups().find(g => g.title === 'INC-404 Nowhere')!;
    expect((ctx.logger as any).lines).toContainEqual(
      'warn: Incident INC-404 could not take the war room: No incident INC-404',
    );
    expect(
      emu.control.messages({ openConversationId: room.openConversationId })[0],
    ).toMatchObject({
      robotCode: 'group-bot',
      msgParam: { title: 'INC-404 Nowhere', text: '**meet here**' },
    });
    expect(ctx.output).toHaveBeenCalledWith('incidentLinked', false);
  });

  it('does nothing in a dry run and says what it would do', async () => {
    const before = emu.control.calls().total;
    const ctx = {
      ...createMockActionContext({
        input: {
          title: 'Dry',
          owner: '13800000001',
          members: ['user:default/bob'],
        },
        logger: taskLog(),
      }),
      isDryRun: true,
    };
    await createWarRoomAction({ notifier }).handler(ctx as any);
    expect(emu.control.calls().total).toBe(before);
    expect((ctx.logger as any).lines.join('\n')).toContain(
      'would create DingTalk war room "Dry"',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'openConversationId',
      'dry-run-open-conversation-id',
    );
  });

  it('runs its documented example', async () => {
    const step = yaml.parse(examples[0].example).steps[0];
    const ctx = createMockActionContext({
      input: step.input,
      task: { id: 'example-task' } as any,
    });
    await createWarRoomAction({ notifier }).handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith(
      'openConversationId',
      expect.any(String),
    );
  });

  it('invites more members to a war room', async () => {
    const room = emu.control
      .groups()
      .find(
        g => g.templateId === 'tpl' && g.title === 'INC-42 Checkout errors',
      )!;
    emu.control.updateApp(APP.appKey, {});
    const ctx = createMockActionContext({
      input: {
        openConversationId: room.openConversationId,
        members: ['13800000003', 'user:default/nobody'],
      },
    });
    await createInviteToWarRoomAction({ notifier }).handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith('invited', ['13800000003']);
    expect(ctx.output).toHaveBeenCalledWith('notFound', [
      'user:default/nobody: app not linked, and the catalog has no dingtalk.com/mobile for this user',
    ]);
  });

  it('sends a message to a group and reports unlinked users', async () => {
    const group = emu.control.createGroup({
      corpId: APP.corpId,
      title: 'Team',
      ownerUserId: 'alice',
      memberUserIds: [],
    });
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: group.openConversationId,
    });
    const ctx = createMockActionContext({
      input: {
        groups: [group.openConversationId],
        users: ['user:default/alice', 'user:default/zed'],
        type: 'markdown',
        title: 'Hi',
        text: '**hello**',
      },
      task: { id: 'task-msg' } as any,
    });
    await createSendMessageAction({ notifier }).handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith('sent', 2);
    expect(ctx.output).toHaveBeenCalledWith('notSent', [
      'user:default/zed: app not linked',
    ]);
    expect(
      emu.control.messages({ openConversationId: group.openConversationId })[0]
        .msgParam,
    ).toEqual({ title: 'Hi', text: '**hello**' });
  });

  it('sends a message once when the task is retried, and nothing in a dry run', async () => {
    const group = emu.control.createGroup({
      corpId: APP.corpId,
      title: 'Retry team',
      ownerUserId: 'alice',
      memberUserIds: [],
    });
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: group.openConversationId,
    });
    const input = {
      groups: [group.openConversationId],
      type: 'text',
      text: 'once',
    };
    const dry = {
      ...createMockActionContext({
        input,
        task: { id: 'task-once' } as any,
        logger: taskLog(),
      }),
      isDryRun: true,
    };
    await createSendMessageAction({ notifier }).handler(dry as any);
    expect((dry.logger as any).lines).toContainEqual(
      `info: Dry run: would send a text message to ${group.openConversationId}`,
    );
    expect(
      emu.control.messages({ openConversationId: group.openConversationId }),
    ).toHaveLength(0);
    const run = taskRuns('task-once');
    for (let attempt = 0; attempt < 2; attempt++) {
      await createSendMessageAction({ notifier }).handler(run(input) as any);
    }
    expect(
      emu.control.messages({ openConversationId: group.openConversationId }),
    ).toHaveLength(1);
  });

  it('invites nobody in a dry run, and each person once when the task is retried', async () => {
    const room = emu.control.groups().find(g => g.templateId === 'tpl')!;
    const before = [...room.members];
    const ctx = {
      ...createMockActionContext({
        input: {
          openConversationId: room.openConversationId,
          members: ['13800000003'],
        },
        logger: taskLog(),
      }),
      isDryRun: true,
    };
    await createInviteToWarRoomAction({ notifier }).handler(ctx as any);
    expect((ctx.logger as any).lines).toContainEqual(
      `info: Dry run: would invite 13800000003 to ${room.openConversationId}`,
    );
    expect(
      emu.control
        .groups()
        .find(g => g.openConversationId === room.openConversationId)!.members,
    ).toEqual(before);

    // a retried task (the checkpoint not saved) asks DingTalk again: still one membership each
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'erin',
      name: 'erin',
      mobile: '13800000005',
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const retry = createMockActionContext({
        input: {
          openConversationId: room.openConversationId,
          members: ['13800000005'],
        },
        task: { id: 'task-invite' } as any,
      });
      await createInviteToWarRoomAction({ notifier }).handler(retry as any);
      expect(retry.output).toHaveBeenCalledWith('invited', ['13800000005']);
    }
    const members = emu.control
      .groups()
      .find(g => g.openConversationId === room.openConversationId)!.members;
    expect(members.filter(m => m === 'erin')).toHaveLength(1);
    expect(members).toHaveLength(before.length + 1);
  });

  it('runs the documented examples of invite and send', async () => {
    // the groups the examples name
    const invite = yaml.parse(inviteExamples[0].example).steps[0];
    const send = yaml.parse(sendExamples[0].example).steps[0];
    emu.control.createGroup({
      corpId: APP.corpId,
      title: 'Example room',
      ownerUserId: 'alice',
      memberUserIds: [],
      openConversationId: invite.input.openConversationId,
    });
    const sre = emu.control.createGroup({
      corpId: APP.corpId,
      title: 'SRE',
      ownerUserId: 'alice',
      memberUserIds: [],
      openConversationId: send.input.groups[0],
    });
    await emu.control.installCoolApp({
      appKey: APP.appKey,
      openConversationId: sre.openConversationId,
    });
    emu.control.createUser({
      corpId: APP.corpId,
      userId: 'dave',
      name: 'dave',
      mobile: '13800000004',
    });

    const invited = createMockActionContext({
      input: invite.input,
      task: { id: 'example-invite' } as any,
    });
    await createInviteToWarRoomAction({ notifier }).handler(invited as any);
    expect(invited.output).toHaveBeenCalledWith('invited', ['13800000004']);
    const sent = createMockActionContext({
      input: send.input,
      task: { id: 'example-send' } as any,
    });
    await createSendMessageAction({ notifier }).handler(sent as any);
    expect(sent.output).toHaveBeenCalledWith('sent', 1);
  });

  it('names what to configure when a permission is missing', async () => {
    emu.control.updateApp(APP.appKey, {
      permissions: ['qyapi_robot_sendmsg', 'qyapi_get_member_by_mobile'],
    });
    const ctx = createMockActionContext({
      input: {
        title: 'No permission',
        owner: 'user:default/alice',
        members: [],
      },
      task: { id: 'task-perm' } as any,
    });
    await expect(
      createWarRoomAction({ notifier }).handler(ctx as any),
    ).rejects.toThrow('qyapi_chat_manage');
  });
});

function mockCredentialsHeader() {
  // the test backend accepts the mock user token
  const { mockCredentials } = require('@backstage/backend-test-utils');
  return mockCredentials.user.header();
}
