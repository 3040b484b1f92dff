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
import { redactionsOf } from './redactions';
import { SecretBox } from './SecretBox';

describe('SecretBox', () => {
  it('tells every secret it seals or opens, once, so that logs can redact it', () => {
    const told: string[][] = [];
    const box = new SecretBox('k'.repeat(32), {
      onSecrets: s => told.push(s),
    });
    const sealed = box.seal(
      JSON.stringify({ clientSecret: 'cs-1', aesKey: 'aes-1', token: 't-1' }),
    );
    expect(told).toEqual([['cs-1', 'aes-1', 't-1']]);
    // Opened by another replica's box: the values are told there too.
    const other: string[][] = [];
    const replica = new SecretBox('k'.repeat(32), {
      onSecrets: s => other.push(s),
    });
    expect(JSON.parse(replica.open(sealed)).token).toBe('t-1');
    replica.open(sealed);
    expect(other).toEqual([['cs-1', 'aes-1', 't-1']]);
    // A plain (non-JSON) secret is told as it is.
    box.open(box.seal('card-callback-secret'));
    expect(told.at(-1)).toEqual(['card-callback-secret']);
  });

  it('registers them with a root logger that redacts, and leaves one that does not alone', () => {
    const added: string[] = [];
    const redacting = Object.assign(mockServices.rootLogger(), {
      addRedactions: (r: Iterable<string>) => added.push(...r),
    });
    redactionsOf(redacting)(['s-1']);
    expect(added).toEqual(['s-1']);
    expect(() =>
      redactionsOf(mockServices.rootLogger())(['s-2']),
    ).not.toThrow();
  });
});
