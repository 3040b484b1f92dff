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
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'onclick') node.addEventListener('click', v);
      else node.setAttribute(k, v);
    });
    children
      .flat()
      .forEach(c =>
        node.append(c instanceof Node ? c : document.createTextNode(String(c))),
      );
    return node;
  };
  let model = { apps: [], users: [], groups: [] };
  let selected = null;

  const actor = () => document.getElementById('actor').value;

  async function load() {
    model = await fetch('/_emulator/api/state').then(r => r.json());
    const actorSelect = document.getElementById('actor');
    const current = actorSelect.value;
    actorSelect.replaceChildren(
      ...model.users.map(u =>
        el('option', { value: u.userId }, `${u.name} (${u.userId})`),
      ),
    );
    if (current) actorSelect.value = current;
    document.getElementById('org').textContent = model.corps
      .map(c => c.name)
      .join(', ');
    const app = model.apps[0];
    document.getElementById('groups').replaceChildren(
      ...model.groups.map(g =>
        el(
          'li',
          {
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
            ? g.coolApps.includes(app.appKey)
              ? el(
                  'button',
                  {
                    onclick: () =>
                      api('uninstallCoolApp', {
                        appKey: app.appKey,
                        openConversationId: g.openConversationId,
                      }).then(load),
                  },
                  'Uninstall Cool App',
                )
              : el(
                  'button',
                  {
                    onclick: () =>
                      api('installCoolApp', {
                        appKey: app.appKey,
                        openConversationId: g.openConversationId,
                      }).then(load),
                  },
                  'Install Cool App',
                )
            : '',
          el(
            'button',
            {
              onclick: () => {
                const title = prompt('New group name', g.title);
                if (title)
                  api('renameGroup', {
                    openConversationId: g.openConversationId,
                    title,
                  }).then(load);
              },
            },
            'Rename',
          ),
        ),
      ),
    );
    document.getElementById('users').replaceChildren(
      ...model.users.map(u =>
        el(
          'li',
          {},
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
    document.getElementById('apps').replaceChildren(
      ...model.apps.map(a =>
        el(
          'li',
          {},
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
    if (selected) render();
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
    document.getElementById('conversation-title').textContent = selected.title;
    const filter =
      selected.kind === 'group'
        ? { openConversationId: selected.id }
        : { userId: selected.id };
    const [messages, cards] = await Promise.all([
      api('messages', filter),
      api('cards', filter),
    ]);
    const items = [
      ...messages.map(m => ({
        at: m.at,
        node: el(
          'div',
          { class: 'msg' },
          m.msgParam.title ? `${m.msgParam.title}\n` : '',
          m.msgParam.content || m.msgParam.text || JSON.stringify(m.msgParam),
        ),
      })),
      ...cards.map(c => ({ at: c.createdAt, node: renderCard(c) })),
    ].sort((a, b) => a.at - b.at);
    document
      .getElementById('conversation')
      .replaceChildren(...items.map(i => i.node));
  }

  function renderCard(card) {
    const p = card.cardParamMap;
    let actions = [];
    try {
      actions = JSON.parse(p.actions || '[]');
    } catch (e) {
      actions = [];
    }
    return el(
      'div',
      { class: 'card', 'data-card': card.outTrackId },
      el('div', {}, el('strong', {}, p.title || card.outTrackId)),
      p.status ? el('div', { class: 'status' }, `Status: ${p.status}`) : '',
      el('div', { class: 'msg' }, p.markdown || p.content || ''),
      ...actions.map(a =>
        a.url
          ? el('a', { href: a.url, target: '_blank' }, a.label)
          : el(
              'button',
              {
                onclick: () =>
                  api('clickCardButton', {
                    outTrackId: card.outTrackId,
                    userId: actor(),
                    actionId: a.id,
                    params: a.params || {},
                  })
                    .then(r => {
                      const m =
                        r.response &&
                        (r.response.message ||
                          (r.response.userPrivateData &&
                            r.response.userPrivateData.message));
                      if (m) alert(m);
                    })
                    .catch(e => alert(e.message))
                    .then(load),
              },
              a.label,
            ),
      ),
      el(
        'div',
        { class: 'meta' },
        `updated ${new Date(card.updatedAt).toLocaleTimeString()}`,
      ),
    );
  }

  load();
  setInterval(load, 3000);
})();
