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

// Stands in for the DingTalk client's JSAPI when an H5 page is opened from the
// simulator: requestAuthCode answers with a one-time code issued by the
// emulator for the simulated user (`dd_user`) and app (`dd_app`) in the URL.
(function () {
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var query = new URLSearchParams(location.search);
  function requestAuthCode() {
    return fetch(origin + '/_emulator/jsapi/requestAuthCode', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appKey: query.get('dd_app'),
        userId: query.get('dd_user'),
      }),
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || 'requestAuthCode failed');
        return { code: body.code };
      });
    });
  }
  window.dd = {
    env: { platform: 'emulator' },
    ready: function (cb) {
      cb();
    },
    error: function () {},
    requestAuthCode: function () {
      return requestAuthCode();
    },
    runtime: {
      permission: {
        requestAuthCode: function (opts) {
          requestAuthCode().then(opts.onSuccess, opts.onFail);
        },
      },
    },
  };
})();
