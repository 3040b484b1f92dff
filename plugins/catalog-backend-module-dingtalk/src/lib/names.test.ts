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

import { KubernetesValidatorFunctions } from '@backstage/catalog-model';
import { assignNames, suffixedName } from './names';
import { defaultUserName } from './transformers';

const valid = (n: string) => KubernetesValidatorFunctions.isValidObjectName(n);

describe('entity names', () => {
  it('makes a valid name of any userid, and unique ones of colliding userids', () => {
    const ids = [
      'li',
      'li@',
      'a'.repeat(64),
      `A${'a'.repeat(63)}`,
      '李雷',
      '韩梅梅',
    ];
    const names = assignNames(
      ids,
      id => defaultUserName({ userId: id, name: id, deptIds: [] } as any),
      id => id,
      new Map(),
      'user',
    );
    for (const id of ids) expect(valid(names.get(id)!)).toBe(true);
    expect(new Set(names.values()).size).toBe(ids.length);
    expect(valid(suffixedName('x'.repeat(80), 'k'.repeat(64)))).toBe(true);
    expect(valid(suffixedName('', '李雷', 'user'))).toBe(true);
  });

  it('keeps current names: only a newcomer gets a suffix', () => {
    const names = assignNames(
      ['bob', 'Bob'],
      id => id.toLowerCase(),
      id => id,
      new Map([['bob', 'bob']]),
      'user',
    );
    expect(names.get('bob')).toBe('bob');
    expect(names.get('Bob')).toMatch(/^bob-[0-9a-f]{8}$/);
  });
});
