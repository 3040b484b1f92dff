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

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, EmulatorHandle } from '.';
import { decryptFrom, encryptFor, signature } from './crypto';
import { appAccessToken } from './__testUtils__/accessToken';

const APP = {
  corpId: 'dingcontactscorp',
  appKey: 'dingcontactsapp',
  appSecret: 'contacts-secret',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'contacts-token',
};

describe('contact APIs and address-book events', () => {
  let emu: EmulatorHandle;
  let token: string;

  async function oapi(path: string, body: unknown) {
    const res = await fetch(`${emu.baseUrl}${path}?access_token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as any;
  }

  beforeEach(async () => {
    emu = await createEmulator();
    emu.control.createApp(APP);
    const { deptId: eng } = emu.control.createDepartment({
      corpId: APP.corpId,
      deptId: 10,
      name: 'Engineering',
    });
    emu.control.createDepartment({
      corpId: APP.corpId,
      deptId: 11,
      name: 'SRE',
      parentId: eng,
    });
    for (let i = 0; i < 150; i++) {
      emu.control.createUser({
        corpId: APP.corpId,
        userId: `u${String(i).padStart(3, '0')}`,
        name: `User ${i}`,
        mobile: `1390000${String(i).padStart(4, '0')}`,
        deptIds: i < 3 ? [10, 11] : [11],
      });
    }
    token = await appAccessToken(emu, APP);
  });

  afterEach(() => emu.close());

  it('lists sub-departments and gets one, the root being the corp', async () => {
    const root = await oapi('/topapi/v2/department/listsub', { dept_id: 1 });
    expect(root.errcode).toBe(0);
    expect(root.result).toEqual([
      expect.objectContaining({
        dept_id: 10,
        name: 'Engineering',
        parent_id: 1,
      }),
    ]);
    const sub = await oapi('/topapi/v2/department/listsub', { dept_id: 10 });
    expect(sub.result.map((d: any) => d.dept_id)).toEqual([11]);
    const one = await oapi('/topapi/v2/department/get', { dept_id: 1 });
    expect(one.result).toMatchObject({ dept_id: 1, name: APP.corpId });
    const missing = await oapi('/topapi/v2/department/get', { dept_id: 99 });
    expect(missing.errcode).toBe(60003);
  });

  it('pages a department at most 100 people at a time, with a cursor', async () => {
    const first = await oapi('/topapi/v2/user/list', {
      dept_id: 11,
      cursor: 0,
      size: 100,
    });
    expect(first.result.has_more).toBe(true);
    expect(first.result.list).toHaveLength(100);
    expect(first.result.list[0]).toMatchObject({
      userid: 'u000',
      dept_id_list: [10, 11],
      mobile: '13900000000',
    });
    const second = await oapi('/topapi/v2/user/list', {
      dept_id: 11,
      cursor: first.result.next_cursor,
      size: 100,
    });
    expect(second.result.has_more).toBe(false);
    expect(second.result.list).toHaveLength(50);
    const tooBig = await oapi('/topapi/v2/user/list', {
      dept_id: 11,
      cursor: 0,
      size: 101,
    });
    expect(tooBig.errcode).toBe(40035);
    // each is a call, the refused one too
    expect(
      emu.control.calls({ appKey: APP.appKey }).byApp[APP.appKey].byApi,
    ).toMatchObject({ 'user.list': 3 });
  });

  it('answers permission errors as DingTalk does, and hides mobiles without the permission', async () => {
    const app = emu.state.apps.get(APP.appKey)!;
    emu.control.updateApp(APP.appKey, {
      permissions: app.permissions.filter(p => p !== 'Contact.User.mobile'),
    });
    const page = await oapi('/topapi/v2/user/list', {
      dept_id: 10,
      cursor: 0,
      size: 10,
    });
    expect(page.result.list[0].mobile).toBeUndefined();
    emu.control.updateApp(APP.appKey, {
      permissions: app.permissions.filter(
        p => p !== 'qyapi_get_department_list' && p !== 'qyapi_get_member',
      ),
    });
    const refused = await oapi('/topapi/v2/department/listsub', { dept_id: 1 });
    expect(refused.errcode).toBe(88);
    expect(refused.sub_code).toBe('60011');
    const users = await oapi('/topapi/v2/user/list', {
      dept_id: 10,
      cursor: 0,
      size: 10,
    });
    expect(users.sub_code).toBe('60011');
  });

  it('pushes address-book events over HTTP as DingTalk shapes them', async () => {
    const received: any[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        const { encrypt } = JSON.parse(body);
        received.push(JSON.parse(decryptFrom(APP.aesKey, encrypt)!.message));
        const reply = encryptFor(APP.aesKey, APP.appKey, 'success');
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            msg_signature: signature(APP.token, '1', 'n', reply),
            timeStamp: '1',
            nonce: 'n',
            encrypt: reply,
          }),
        );
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    emu.control.updateApp(APP.appKey, {
      eventUrl: `http://127.0.0.1:${port}/events`,
    });
    try {
      await emu.control.orgAddUser({
        corpId: APP.corpId,
        userId: 'newbie',
        name: 'New Bie',
        mobile: '13911112222',
        deptIds: [11],
      });
      const { deptId } = await emu.control.orgAddDepartment({
        corpId: APP.corpId,
        name: 'Payments',
      });
      await expect(
        emu.control.orgRemoveDepartment({ corpId: APP.corpId, deptId: 11 }),
      ).rejects.toThrow(/不能删除/);
      await emu.control.orgRemoveUser({ userId: 'newbie' });
      expect(received.map(e => [e.EventType, e.UserId ?? e.DeptId])).toEqual([
        ['user_add_org', ['newbie']],
        ['org_dept_create', [deptId]],
        ['user_leave_org', ['newbie']],
      ]);
      expect(received[0]).toMatchObject({ CorpId: APP.corpId });
      const gone = await oapi('/topapi/v2/user/get', { userid: 'newbie' });
      expect(gone.errcode).toBe(60121);
    } finally {
      server.close();
    }
  });
});
