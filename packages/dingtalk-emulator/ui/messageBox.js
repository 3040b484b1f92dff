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

// The message box: the person chosen in "Acting as" writes in a group chat
// or in the one-to-one chat with the app's robot. `@bot` mentions the robot
// (left out of the text, as DingTalk does), `@name` mentions a member. The
// emulator delivers it to the robots as DingTalk does (control method
// sendMessage): signed HTTP to the robot's message URL, or a Stream frame.
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
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    children.forEach(c =>
      node.append(c instanceof Node ? c : document.createTextNode(String(c))),
    );
    return node;
  };

  const box = el(
    'form',
    {
      id: 'message-box',
      class: 'message-box',
      // own look (the stylesheet is the simulator's): a panel like the others
      style:
        'margin:0 16px 16px;padding:12px 16px;background:#fff;border-radius:8px;display:flex;flex-wrap:wrap;gap:8px;align-items:center',
    },
    el('h2', { style: 'width:100%;margin:0' }, 'Write a message'),
    el(
      'label',
      {},
      'In ',
      el('select', {
        id: 'message-conversation',
        'aria-label': 'Conversation',
      }),
    ),
    el('input', {
      id: 'message-text',
      type: 'text',
      placeholder:
        '@bot ack · @bot note rollback started · @bot 故障 checkout-api 支付超时',
      'aria-label': 'Message',
      style: 'flex:1;min-width:320px;padding:4px',
    }),
    el('button', { id: 'message-send', type: 'submit' }, 'Send'),
    el('div', { id: 'message-status', role: 'status', style: 'width:100%' }),
    el('ul', {
      id: 'message-log',
      class: 'message-log',
      style: 'width:100%;margin:0;padding-left:16px',
    }),
  );
  const $ = id => box.querySelector(`#${id}`);

  function place() {
    const main = document.querySelector('main') || document.body;
    main.after(box);
  }

  let groups = [];
  async function refresh() {
    const state = await fetch('/_emulator/api/state').then(r => r.json());
    const select = $('message-conversation');
    const current = select.value;
    groups = state.groups || [];
    select.replaceChildren(
      ...groups.map(g =>
        el(
          'option',
          { value: g.openConversationId },
          `${g.title}${g.templateId ? ' (war room)' : ''}`,
        ),
      ),
      ...(state.apps || []).map(a =>
        el(
          'option',
          { value: `direct:${a.appKey}` },
          `One-to-one with the robot of ${a.appKey}`,
        ),
      ),
    );
    if (current && [...select.options].some(o => o.value === current)) {
      select.value = current;
    }
    const conversation = select.value;
    const log = conversation.startsWith('direct:')
      ? await api('chatMessages', { userId: actor() })
      : await api('chatMessages', { openConversationId: conversation });
    const names = new Map((state.users || []).map(u => [u.userId, u.name]));
    $('message-log').replaceChildren(
      ...log
        .filter(
          m => !conversation.startsWith('direct:') || !m.openConversationId,
        )
        .slice(-10)
        .map(m =>
          el(
            'li',
            {},
            `${new Date(m.at).toLocaleTimeString()} ${
              names.get(m.senderUserId) || m.senderUserId
            }: ${m.atBot ? '@bot ' : ''}${m.text}`,
          ),
        ),
    );
  }

  const actor = () => {
    const select = document.getElementById('actor');
    return select ? select.value : '';
  };

  box.addEventListener('submit', async e => {
    e.preventDefault();
    const text = $('message-text').value.trim();
    if (!text) return;
    const conversation = $('message-conversation').value;
    const status = $('message-status');
    status.textContent = 'Sending…';
    try {
      const result = await api('sendMessage', {
        senderUserId: actor(),
        text,
        ...(conversation.startsWith('direct:')
          ? { appKey: conversation.slice('direct:'.length) }
          : { openConversationId: conversation }),
      });
      const delivered = result.deliveries.filter(d => d.status === 200).length;
      status.textContent = result.deliveries.length
        ? `Delivered to ${delivered} of ${result.deliveries.length} robot(s)`
        : 'Sent (no robot receives this message: mention @bot)';
      $('message-text').value = '';
    } catch (err) {
      status.textContent = `Not sent: ${err.message}`;
    }
    refresh();
  });

  place();
  refresh();
  setInterval(refresh, 3000);
})();
