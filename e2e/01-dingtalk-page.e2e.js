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

// Sign in, find DingTalk in the sidebar, open it and see the demo integration.
const assert = require('node:assert/strict');
const { signIn } = require('./helpers');

module.exports = async ({ page, shot, appUrl, backendUrl }) => {
  for (const plugin of ['dingtalk', 'oncall']) {
    const res = await page.request.get(`${backendUrl}/api/${plugin}/health`);
    assert.equal(res.status(), 200, `${plugin} health`);
  }
  await signIn(page, appUrl);
  await page.getByRole('link', { name: 'DingTalk', exact: true }).click();
  await page.waitForURL(/\/dingtalk/);
  await page.getByText('Demo corp (emulator)').first().waitFor();
  await shot('dingtalk-page');
};
