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

/**
 * Which links a card may carry: the Backstage app itself and the hosts an
 * admin allows. Alert text comes from whoever holds a webhook token, so a
 * link in it must not take a responder somewhere an admin has not chosen.
 *
 * @public
 */
export class DingtalkLinkPolicy {
  readonly #origin: string | undefined;
  readonly #hosts: string[];

  /**
   * @param options - `baseUrl`: the Backstage app (its origin is always
   *   allowed); `allowedHosts`: more hosts, exactly (`grafana.example.com`) or
   *   with their subdomains (`*.example.com`), over http or https.
   */
  constructor(options: { baseUrl: string; allowedHosts?: string[] }) {
    this.#origin = originOf(options.baseUrl);
    this.#hosts = (options.allowedHosts ?? [])
      .map(h => h.trim().toLowerCase())
      .filter(Boolean);
  }

  /** Whether a card may link to this absolute URL. */
  allows(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      return false;
    // A user name or password in a link is a classic disguise of the host.
    if (parsed.username || parsed.password) return false;
    if (this.#origin && parsed.origin === this.#origin) return true;
    const host = parsed.hostname.toLowerCase();
    return this.#hosts.some(allowed =>
      allowed.startsWith('*.')
        ? host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1
        : host === allowed,
    );
  }

  /**
   * The URL when a card may link to it, otherwise undefined. The URL comes
   * back normalised, with the characters that end or open markdown syntax
   * (`( ) [ ] < > !`, quotes, spaces) percent-encoded: an allowed link like
   * `https://backstage/x)![t](https://evil/p.png` must not close the link it
   * is put in and open an image of another host.
   */
  filter(url: string | undefined): string | undefined {
    if (url === undefined || !this.allows(url)) return undefined;
    return new URL(url).href.replace(
      /[()[\]<>!"' ]/g,
      c => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

// Characters that make DingTalk markdown more than text, and what they become:
// `[`/`]` open links, images and references; `<`/`>` HTML (`<font>`, `<a>`,
// `<img>`) and autolinks; `@` mentions (and e-mail autolinks). Their
// full-width forms read the same to a person and are plain text to every
// markdown renderer, unlike backslash escapes, which DingTalk does not
// document.
const NEUTRAL: Record<string, string> = {
  '[': '\uFF3B',
  ']': '\uFF3D',
  '<': '\uFF1C',
  '>': '\uFF1E',
  '@': '\uFF20',
  '&': '\uFF06',
};

// A URL ends at white space and at the characters above, so an allowed URL
// that is kept as it is cannot carry markdown either.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]{1,31}:\/\/[^\s[\]<>()@&"'`]+/gi;

/**
 * Alert or notification text made safe for DingTalk markdown: it renders as
 * the text it is and cannot add links, images, HTML or \@mentions. A URL in
 * the text stays when the policy allows it (a renderer may link it); any
 * other is defanged (`https[:]//host/...`) so that it can be read but not
 * clicked.
 *
 * @public
 */
export function escapeDingtalkMarkdown(
  text: string,
  policy?: DingtalkLinkPolicy,
): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index!;
    out += neutralize(text.slice(last, start));
    out += policy?.allows(match[0]) ? match[0] : neutralize(match[0]);
    last = start + match[0].length;
  }
  return out + neutralize(text.slice(last));
}

function neutralize(text: string): string {
  const [open, close] = [NEUTRAL['['], NEUTRAL[']']];
  return (
    text
      .replace(/[[\]<>@]/g, c => NEUTRAL[c])
      // An entity could spell a bracket to a renderer that decodes first.
      .replace(/&(?=#|[a-z][a-z0-9]*;)/gi, NEUTRAL['&'])
      // Defanged: readable, but no renderer links it.
      .replace(/:\/\//g, `${open}:${close}//`)
      .replace(/\bwww\./gi, w => `${w.slice(0, 3)}${open}.${close}`)
  );
}
