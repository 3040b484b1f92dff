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

// The H5 page DingTalk opens: login-free sign-in with the JSAPI auth code,
// account linking on the first visit, then the person's open incidents.
(function () {
  var parts = location.pathname.split('/');
  var integrationId = decodeURIComponent(parts[parts.length - 2]);
  var base = parts.slice(0, parts.length - 2).join('/');
  var status = document.getElementById('status');
  var content = document.getElementById('content');

  function fail(message) {
    status.textContent = message;
    status.className = 'error';
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = function () {
        reject(new Error('could not load ' + src));
      };
      document.head.appendChild(s);
    });
  }

  function requestAuthCode(corpId, clientId) {
    return new Promise(function (resolve, reject) {
      window.dd.runtime.permission.requestAuthCode({
        corpId: corpId,
        clientId: clientId,
        onSuccess: function (r) {
          resolve(r.code);
        },
        onFail: function (e) {
          reject(
            new Error(
              (e && (e.errorMessage || e.message)) || 'requestAuthCode failed',
            ),
          );
        },
      });
    });
  }

  function render(session) {
    if (!session.linked) {
      status.textContent =
        'Hello ' +
        (session.dingtalkName || '') +
        '. Sign in to Backstage once to link your DingTalk account.' +
        ' The link works once, for 5 minutes, and only in this DingTalk window.';
      var a = document.createElement('a');
      a.className = 'button';
      a.id = 'link-account';
      a.href = session.linkUrl;
      a.target = '_blank';
      a.textContent = 'Sign in to Backstage and link';
      content.replaceChildren(a);
      return;
    }
    status.textContent = 'Signed in as ' + session.userEntityRef;
    status.id = 'signed-in';
    var list = session.incidents.map(function (i) {
      var item = document.createElement('a');
      item.className = 'incident sev-' + i.severity;
      item.href = i.url;
      item.textContent = '[' + i.status + '] ' + i.title;
      return item;
    });
    if (list.length === 0) {
      var none = document.createElement('p');
      none.textContent = 'No open incidents for you.';
      list = [none];
    }
    content.replaceChildren.apply(content, list);
  }

  fetch(base + '/' + encodeURIComponent(integrationId) + '/config')
    .then(function (r) {
      if (!r.ok) throw new Error('Unknown integration');
      return r.json();
    })
    .then(function (config) {
      document.getElementById('title').textContent = config.name;
      // The JSAPI the backend's config names: DingTalk's, bundled with the
      // page, or in development the emulator's stand-in. Never one named by
      // the page's URL.
      return loadScript(config.jsapiUrl)
        .then(function () {
          return requestAuthCode(config.corpId, config.clientId);
        })
        .then(function (code) {
          return fetch(
            base + '/' + encodeURIComponent(integrationId) + '/session',
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ code: code }),
            },
          );
        })
        .then(function (r) {
          return r.json().then(function (b) {
            if (!r.ok)
              throw new Error((b.error && b.error.message) || 'sign-in failed');
            return b;
          });
        })
        .then(render);
    })
    .catch(function (e) {
      fail(e.message);
    });
})();
