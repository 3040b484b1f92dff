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

import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import yaml from 'yaml';
import {
  ActionsWorld,
  APP,
  startActionsWorld,
  taskLog,
  taskRuns,
} from '../__testUtils__/actionsWorld';
import { createWarRoomAction } from './createWarRoom';
import { examples } from './createWarRoom.examples';

// dingtalk:warRoom:create: one room per task, handed to the incident plugin.
describe('DingTalk scaffolder actions against a real dingtalk backend and the emulator', () => {
  let world: ActionsWorld;
  let emu: ActionsWorld['emu'];
  let notifier: ActionsWorld['notifier'];
  let incidents: ActionsWorld['incidents'];
  let api: ActionsWorld['api'];

  beforeAll(async () => {
    world = await startActionsWorld();
    ({ emu, notifier, incidents, api } = world);
  });
  afterAll(async () => {
    await world.stop();
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
