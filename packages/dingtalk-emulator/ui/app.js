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

// The simulator: a person's view of the emulated DingTalk organisation.
//
// It polls the emulator and patches the page in place: every list item has a
// key (a group's id, a card's outTrackId, a button's action id), and a poll
// only changes the nodes whose content changed, so a button never moves or
// gets replaced under the pointer between mouse-down and click. Clicks are
// handled by one listener on the document, which reads the handler of the
// node as it is now.
(function () {
  const api = (method, body) =>
    fetch(`/_emulator/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}),
    }).then(async r => {
      const json = await r.json();
      if (!r.ok) throw new Error(json.error || r.statusText);
      return json;
    });

  /** Builds an element; `key` becomes data-key, `onclick` a delegated handler. */
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k === 'onclick') node.__onclick = v;
      else if (k === 'key') node.setAttribute('data-key', v);
      else node.setAttribute(k, v);
    });
    children
      .flat()
      .filter(c => c !== '' && c !== null && c !== undefined)
      .forEach(c =>
        node.append(c instanceof Node ? c : document.createTextNode(String(c))),
      );
    return node;
  };

  document.addEventListener('click', e => {
    for (let n = e.target; n && n !== document; n = n.parentNode) {
      if (n.__onclick) {
        n.__onclick(e, n);
        return;
      }
    }
  });

  const keyOf = n => (n.nodeType === 1 ? n.getAttribute('data-key') : null);
  const sameKind = (a, b) =>
    a.nodeType === b.nodeType &&
    (a.nodeType !== 1 || a.tagName === b.tagName) &&
    keyOf(a) === keyOf(b);

  /** Makes `from` look like `to`, keeping every node that can be kept. */
  function morph(from, to) {
    if (from.nodeType === 3) {
      if (from.data !== to.data) from.data = to.data;
      return;
    }
    for (const { name } of [...from.attributes]) {
      if (!to.hasAttribute(name)) from.removeAttribute(name);
    }
    for (const { name, value } of [...to.attributes]) {
      if (from.getAttribute(name) !== value) from.setAttribute(name, value);
    }
    from.__onclick = to.__onclick;
    patchChildren(from, [...to.childNodes]);
  }

  /** Patches `parent`'s children to `next`, matching keyed nodes by key. */
  function patchChildren(parent, next) {
    const keyed = new Map();
    for (const c of parent.childNodes) {
      const k = keyOf(c);
      if (k !== null) keyed.set(k, c);
    }
    next.forEach((want, i) => {
      const at = parent.childNodes[i];
      const k = keyOf(want);
      let have = k !== null ? keyed.get(k) : at;
      if (have && !sameKind(have, want)) have = undefined;
      if (have) {
        morph(have, want);
        if (have !== at) parent.insertBefore(have, at || null);
      } else {
        parent.insertBefore(want, at || null);
      }
      if (k !== null) keyed.delete(k);
    });
    while (parent.childNodes.length > next.length) {
      parent.removeChild(parent.lastChild);
    }
  }

  const show = (id, ...children) =>
    patchChildren(document.getElementById(id), children.flat());

  let model = { apps: [], users: [], groups: [], corps: [] };
  let selected = null;
  const actorSelect = document.getElementById('actor');
  const actor = () => actorSelect.value;
  actorSelect.addEventListener('change', () => load());

  let toastTimer;
  /** What DingTalk shows the clicker after a card button: a toast. */
  function toast(text, kind) {
    const node = document.getElementById('toast');
    node.textContent = text;
    node.className = `toast visible ${kind || ''}`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      node.className = 'toast';
    }, 6000);
  }

  async function load() {
    model = await fetch('/_emulator/api/state').then(r => r.json());
    const current = actor();
    show(
      'actor',
      model.users.map(u =>
        el(
          'option',
          { key: u.userId, value: u.userId },
          `${u.name} (${u.userId})`,
        ),
      ),
    );
    if (current) actorSelect.value = current;
    document.getElementById('org').textContent = model.corps
      .map(c => c.name)
      .join(', ');
    const app = model.apps[0];
    show(
      'groups',
      model.groups.map(g =>
        el(
          'li',
          {
            key: g.openConversationId,
            class:
              selected && selected.id === g.openConversationId
                ? 'selected'
                : '',
            'data-group': g.title,
          },
          el(
            'a',
            {
              href: '#',
              onclick: e => {
                e.preventDefault();
                select('group', g.openConversationId, g.title);
              },
            },
            g.title,
          ),
          el(
            'div',
            { class: 'meta' },
            `${g.members.length} members${g.templateId ? ' · war room' : ''}`,
          ),
          app && !g.templateId
            ? el(
                'button',
                {
                  key: 'coolapp',
                  onclick: () =>
                    api(
                      g.coolApps.includes(app.appKey)
                        ? 'uninstallCoolApp'
                        : 'installCoolApp',
                      {
                        appKey: app.appKey,
                        openConversationId: g.openConversationId,
                      },
                    ).then(load, e => toast(e.message, 'error')),
                },
                g.coolApps.includes(app.appKey)
                  ? 'Uninstall Cool App'
                  : 'Install Cool App',
              )
            : '',
          el(
            'button',
            {
              key: 'rename',
              onclick: () => {
                const title = prompt('New group name', g.title);
                if (title)
                  api('renameGroup', {
                    openConversationId: g.openConversationId,
                    title,
                  }).then(load, e => toast(e.message, 'error'));
              },
            },
            'Rename',
          ),
        ),
      ),
    );
    show(
      'users',
      model.users.map(u =>
        el(
          'li',
          {
            key: u.userId,
            class:
              selected && selected.kind === 'user' && selected.id === u.userId
                ? 'selected'
                : '',
          },
          el(
            'a',
            {
              href: '#',
              onclick: e => {
                e.preventDefault();
                select('user', u.userId, `${u.name} (DM)`);
              },
            },
            u.name,
          ),
          el('div', { class: 'meta' }, `${u.userId} · ${u.mobile}`),
        ),
      ),
    );
    show(
      'apps',
      model.apps.map(a =>
        el(
          'li',
          { key: a.appKey },
          `${a.appKey} (${a.edition}, ${a.transport})`,
          el('div', { class: 'meta' }, a.eventUrl || 'no event URL'),
          a.eventUrl
            ? el(
                'button',
                {
                  onclick: () =>
                    openH5(
                      a,
                      a.eventUrl.replace(
                        /\/integrations\/([^/]+)\/events$/,
                        '/h5/$1/home',
                      ),
                    ),
                },
                'Open H5 homepage as actor',
              )
            : '',
        ),
      ),
    );
    if (selected) await render();
  }

  function openH5(app, url) {
    const target = new URL(url);
    // The page loads this emulator's JSAPI stand-in because the backend's
    // config says so (dingtalk.h5.jsapiUrl), not because a URL asks it to.
    target.searchParams.set('dd_user', actor());
    target.searchParams.set('dd_app', app.appKey);
    window.open(target.toString(), '_blank');
  }

  function select(kind, id, title) {
    selected = { kind, id, title };
    load();
  }

  async function render() {
    const which = selected;
    const filter =
      which.kind === 'group'
        ? { openConversationId: which.id }
        : { userId: which.id };
    const [messages, cards] = await Promise.all([
      api('messages', filter),
      api('cards', filter),
    ]);
    if (which !== selected) return; // another conversation was chosen meanwhile
    document.getElementById('conversation-title').textContent = which.title;
    const items = [
      ...messages.map((m, i) => ({
        at: m.at,
        node: renderMessage(m, i),
      })),
      ...cards.map(c => ({ at: c.createdAt, node: renderCard(c) })),
    ].sort((a, b) => a.at - b.at);
    show(
      'conversation',
      items.map(i => i.node),
    );
  }

  function renderMessage(m, i) {
    const p = m.msgParam || {};
    const markdown = p.text !== undefined && p.title !== undefined;
    return el(
      'div',
      { key: `msg-${m.processQueryKey || m.id || i}`, class: 'msg' },
      p.title ? el('div', {}, el('strong', {}, p.title)) : '',
      markdown
        ? window.dingtalkMarkdown.renderMarkdown(p.text)
        : el(
            'div',
            { class: 'text' },
            p.content || p.text || JSON.stringify(p),
          ),
    );
  }

  /** The card as the acting person sees it: their private data over it. */
  function viewOf(card, userId) {
    return Object.assign(
      {},
      card.cardParamMap,
      (card.privateData || {})[userId],
      (card.clickerViews || {})[userId],
    );
  }

  function renderCard(card) {
    const p = viewOf(card, actor());
    let actions = [];
    try {
      actions = JSON.parse(p.actions || '[]');
    } catch (e) {
      actions = [];
    }
    return el(
      'div',
      {
        key: `card-${card.outTrackId}`,
        class: 'card',
        'data-card': card.outTrackId,
      },
      el('div', {}, el('strong', {}, p.title || card.outTrackId)),
      p.status ? el('div', { class: 'status' }, `Status: ${p.status}`) : '',
      window.dingtalkMarkdown.renderMarkdown(p.markdown || p.content || ''),
      el(
        'div',
        { class: 'actions' },
        actions.map(a =>
          a.url
            ? el(
                'a',
                {
                  key: `action-${a.id || a.label}`,
                  href: /^(https?:|dingtalk:)/i.test(a.url) ? a.url : '#',
                  target: '_blank',
                  rel: 'noopener noreferrer',
                  class: 'button-link',
                },
                a.label,
              )
            : el(
                'button',
                {
                  key: `action-${a.id}`,
                  onclick: (e, node) => click(card, a, node),
                },
                a.label,
              ),
        ),
      ),
      el(
        'div',
        { class: 'meta' },
        `updated ${new Date(card.updatedAt).toLocaleTimeString()}`,
      ),
    );
  }

  function click(card, action, button) {
    if (button && button.disabled) return;
    if (button) button.disabled = true;
    api('clickCardButton', {
      outTrackId: card.outTrackId,
      userId: actor(),
      actionId: action.id,
      params: action.params || {},
    })
      .then(r => {
        const reply = r.response || {};
        const message =
          reply.message ||
          (reply.userPrivateData && reply.userPrivateData.message);
        if (r.status !== 200)
          toast(message || `Callback failed (HTTP ${r.status})`, 'error');
        else if (message) toast(message);
      })
      .catch(e => toast(e.message, 'error'))
      .then(() => {
        if (button) button.disabled = false;
        return load();
      });
  }

  load();
  setInterval(load, 2000);
})();
