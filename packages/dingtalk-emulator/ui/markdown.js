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

// DingTalk's markdown as its clients show it, built as DOM nodes: headings,
// **bold**, *italic*, [links](url), bare URLs, lists, quotes and line breaks.
// Nothing is ever parsed as HTML: text from alerts stays text, and a link
// opens only over http(s) or DingTalk's own dingtalk:// scheme.
(function () {
  const SAFE_LINK = /^(https?:\/\/|dingtalk:\/\/)/i;

  function inline(text) {
    const out = [];
    // Order matters: links before bare URLs, bold before italic.
    const pattern =
      /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|(https?:\/\/[^\s<>()\uFF3B\uFF3D]+)/g;
    let last = 0;
    let m;
    while ((m = pattern.exec(text))) {
      if (m.index > last)
        out.push(document.createTextNode(text.slice(last, m.index)));
      if (m[1] !== undefined) {
        out.push(link(m[2], inline(m[1])));
      } else if (m[3] !== undefined) {
        const b = document.createElement('strong');
        b.append(...inline(m[3]));
        out.push(b);
      } else if (m[4] !== undefined) {
        const i = document.createElement('em');
        i.append(...inline(m[4]));
        out.push(i);
      } else {
        out.push(link(m[5], [document.createTextNode(m[5])]));
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) out.push(document.createTextNode(text.slice(last)));
    return out;
  }

  function link(href, children) {
    if (!SAFE_LINK.test(href)) {
      // Shown as written, not followed.
      const span = document.createElement('span');
      span.append(...children, document.createTextNode(` (${href})`));
      return span;
    }
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.append(...children);
    return a;
  }

  /** Renders DingTalk markdown into a new element (`div.md`). */
  function renderMarkdown(source) {
    const root = document.createElement('div');
    root.className = 'md';
    let list = null;
    let paragraph = null;
    const lines = String(source || '').split(/\r?\n/);
    for (const line of lines) {
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
      const numbered = /^\s*(\d+)\.\s+(.*)$/.exec(line);
      const quote = /^>\s?(.*)$/.exec(line);
      if (heading) {
        list = paragraph = null;
        const h = document.createElement(
          `h${Math.min(6, heading[1].length + 2)}`,
        );
        h.append(...inline(heading[2]));
        root.append(h);
      } else if (bullet || numbered) {
        paragraph = null;
        const tag = bullet ? 'ul' : 'ol';
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = document.createElement(tag);
          root.append(list);
        }
        const li = document.createElement('li');
        li.append(...inline(bullet ? bullet[1] : numbered[2]));
        list.append(li);
      } else if (quote) {
        list = paragraph = null;
        const q = document.createElement('blockquote');
        q.append(...inline(quote[1]));
        root.append(q);
      } else if (line.trim() === '') {
        list = paragraph = null;
      } else {
        list = null;
        // DingTalk breaks the line where the text does.
        if (paragraph) paragraph.append(document.createElement('br'));
        else {
          paragraph = document.createElement('p');
          root.append(paragraph);
        }
        paragraph.append(...inline(line));
      }
    }
    return root;
  }

  window.dingtalkMarkdown = { renderMarkdown };
})();
