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

import { parseCommand, parseDuration } from './parseCommand';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('parseCommand', () => {
  it('knows the English and Chinese command words', () => {
    expect(parseCommand('ack')).toEqual({ kind: 'ack' });
    expect(parseCommand('确认')).toEqual({ kind: 'ack' });
    expect(parseCommand('解决')).toEqual({ kind: 'resolve' });
    expect(parseCommand('升级')).toEqual({ kind: 'escalate' });
    expect(parseCommand('状态')).toEqual({ kind: 'status' });
    expect(parseCommand('我的')).toEqual({ kind: 'mine' });
    expect(parseCommand('handover @bob')).toEqual({ kind: 'assign' });
    expect(parseCommand('备注 回滚开始')).toEqual({
      kind: 'note',
      text: '回滚开始',
    });
    expect(parseCommand('关键 DB failover')).toEqual({
      kind: 'key',
      text: 'DB failover',
    });
  });

  it('takes an explicit incident id anywhere after the word, and skips leading mentions', () => {
    expect(parseCommand(`@bot ack #${ID}`)).toEqual({
      kind: 'ack',
      incidentId: ID,
    });
    expect(parseCommand(`note ${ID.toUpperCase()} rollback started`)).toEqual({
      kind: 'note',
      text: 'rollback started',
      incidentId: ID,
    });
  });

  it('declares with a service and a title', () => {
    expect(parseCommand('incident checkout-api 支付超时')).toEqual({
      kind: 'declare',
      service: 'checkout-api',
      title: '支付超时',
    });
    expect(parseCommand('故障 checkout-api')).toMatchObject({
      kind: 'invalid',
    });
  });

  it('snoozes for a duration, 30 minutes by default, at most a day', () => {
    expect(parseCommand('snooze')).toEqual({ kind: 'snooze', minutes: 30 });
    expect(parseCommand('暂停 2小时')).toEqual({
      kind: 'snooze',
      minutes: 120,
    });
    expect(parseCommand('snooze 1h 30m')).toEqual({
      kind: 'snooze',
      minutes: 90,
    });
    expect(parseCommand('snooze 2d')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('snooze later')).toMatchObject({ kind: 'invalid' });
    expect(parseDuration('45')).toBe(45);
    expect(parseDuration('30分钟')).toBe(30);
    expect(parseDuration('半小时')).toBe(30);
    expect(parseDuration('5 parsecs')).toBeUndefined();
  });

  it('answers help for nothing and names an unknown word', () => {
    expect(parseCommand('')).toEqual({ kind: 'help' });
    expect(parseCommand('帮助')).toEqual({ kind: 'help' });
    expect(parseCommand('dance now')).toEqual({
      kind: 'unknown',
      word: 'dance',
    });
    expect(parseCommand('note')).toMatchObject({ kind: 'invalid' });
  });
});
