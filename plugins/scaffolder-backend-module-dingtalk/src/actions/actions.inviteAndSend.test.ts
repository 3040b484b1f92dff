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
import { createInviteToWarRoomAction } from './inviteToWarRoom';
import { examples as inviteExamples } from './inviteToWarRoom.examples';
import { createSendMessageAction } from './sendMessage';
import { examples as sendExamples } from './sendMessage.examples';

// dingtalk:warRoom:invite and dingtalk:message:send.
describe('DingTalk scaffolder actions against a real dingtalk backend and the emulator', () => {
  let world: ActionsWorld;
  let emu: ActionsWorld['emu'];
  let notifier: ActionsWorld['notifier'];

  beforeAll(async () => {
    world = await startActionsWorld();
    ({ emu, notifier } = world);
    // The war room the invite tests use: the one createWarRoom's documented
    // example creates ('INC-42 Checkout errors').
    const step = yaml.parse(examples[0].example).steps[0];
    await createWarRoomAction({ notifier }).handler(
      createMockActionContext({
        input: step.input,
        task: { id: 'example-task' } as any,
      }) as any,
    );
  });
  afterAll(async () => {
    await world.stop();
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
});
