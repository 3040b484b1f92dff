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

import { DingtalkLinkPolicy, escapeDingtalkMarkdown } from './cardText';

const policy = new DingtalkLinkPolicy({
  baseUrl: 'https://backstage.example.com/',
  allowedHosts: ['grafana.example.com', '*.runbooks.example.com'],
});

describe('escapeDingtalkMarkdown', () => {
  it('leaves no link, image, HTML or mention that the text did not have as text', () => {
    const out = escapeDingtalkMarkdown(
      'Disk [Click to acknowledge](https://evil.example/ack) ![](https://evil.example/t.png) ' +
        '<a href="https://evil.example">x</a> <font color=red>!</font> @13800000000 ' +
        '&#91;x&#93;(javascript:alert(1)) www.evil.example',
      policy,
    );
    expect(out).not.toMatch(/[[\]<>@]/);
    expect(out).not.toContain('https://evil.example');
    expect(out).not.toContain('www.evil');
    expect(out).not.toContain('&#91;');
    // Still readable.
    expect(out).toContain('Click to acknowledge');
    expect(out).toContain('https［:］//evil.example/ack');
    expect(out).toContain('＠13800000000');
  });

  it('keeps URLs of Backstage and of allowed hosts, and nothing that rides on them', () => {
    expect(
      escapeDingtalkMarkdown(
        'see https://grafana.example.com/d/abc?x=1 and https://backstage.example.com/oncall',
        policy,
      ),
    ).toBe(
      'see https://grafana.example.com/d/abc?x=1 and https://backstage.example.com/oncall',
    );
    expect(
      escapeDingtalkMarkdown('https://a.runbooks.example.com/disk', policy),
    ).toBe('https://a.runbooks.example.com/disk');
    // A URL stops at markdown: the link that follows an allowed URL is text.
    const riding = escapeDingtalkMarkdown(
      'https://grafana.example.com/[x](https://evil.example)',
      policy,
    );
    expect(riding).toBe(
      'https://grafana.example.com/［x］(https［:］//evil.example)',
    );
    // A user name cannot disguise the host: the @ that would separate them is
    // text, and a renderer that links the whole of it links no valid URL.
    const disguised = escapeDingtalkMarkdown(
      'https://grafana.example.com@evil.example/',
      policy,
    );
    expect(disguised).toBe('https://grafana.example.com＠evil.example/');
    expect(() => new URL(disguised)).toThrow();
    // Without a policy every URL is defanged.
    expect(escapeDingtalkMarkdown('https://grafana.example.com/')).toBe(
      'https［:］//grafana.example.com/',
    );
  });
});

describe('DingtalkLinkPolicy', () => {
  it('allows the Backstage origin and the configured hosts, over http(s) only', () => {
    expect(policy.allows('https://backstage.example.com/oncall/x')).toBe(true);
    expect(policy.allows('http://backstage.example.com/oncall/x')).toBe(false);
    expect(policy.allows('https://grafana.example.com/')).toBe(true);
    expect(policy.allows('https://GRAFANA.example.com/')).toBe(true);
    expect(policy.allows('https://x.grafana.example.com/')).toBe(false);
    expect(policy.allows('https://deep.a.runbooks.example.com/')).toBe(true);
    expect(policy.allows('https://runbooks.example.com/')).toBe(false);
    expect(policy.allows('https://evilrunbooks.example.com/')).toBe(false);
    expect(policy.allows('https://evil.example/')).toBe(false);
    expect(policy.allows(['javascript', 'alert(1)'].join(':'))).toBe(false);
    expect(policy.allows('https://user:pw@grafana.example.com/')).toBe(false);
    expect(policy.allows('not a url')).toBe(false);
    expect(policy.filter('https://evil.example/')).toBeUndefined();
    expect(policy.filter('https://grafana.example.com/')).toBe(
      'https://grafana.example.com/',
    );
  });

  it('returns allowed links that cannot close or open markdown around them', () => {
    const link = policy.filter(
      'https://backstage.example.com/x)![t](https://evil.example/p.png)',
    )!;
    expect(link).toBe(
      'https://backstage.example.com/x%29%21%5Bt%5D%28https://evil.example/p.png%29',
    );
    expect(`[Open](${link})`).not.toMatch(/\]\(https:\/\/evil/);
    expect(policy.filter("https://grafana.example.com/a b'<c>")).toBe(
      'https://grafana.example.com/a%20b%27%3Cc%3E',
    );
  });
});
