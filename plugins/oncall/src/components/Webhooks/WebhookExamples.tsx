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

import { useState } from 'react';
import { Tab, Tabs, Typography } from '@material-ui/core';
import { CopyTextButton } from '@backstage/core-components';
import { webhookExamples } from './examples';

/** The examples for one webhook, with the token when it is still shown. */
export function WebhookExamples(props: { alertsUrl: string; token?: string }) {
  const [tab, setTab] = useState(0);
  const examples = webhookExamples(props.alertsUrl, props.token ?? '<token>');
  const current = examples[tab];
  return (
    <div data-testid="webhook-examples">
      <Tabs
        value={tab}
        onChange={(_e, v) => setTab(v)}
        indicatorColor="primary"
      >
        {examples.map(e => (
          <Tab key={e.id} label={e.title} />
        ))}
      </Tabs>
      <div data-testid={`webhook-example-${current.id}`}>
        <div style={{ display: 'flex', alignItems: 'flex-start' }}>
          <pre
            style={{
              flex: 1,
              overflow: 'auto',
              padding: 8,
              margin: 0,
              fontSize: 12,
            }}
          >
            {current.text}
          </pre>
          <CopyTextButton
            text={current.text}
            aria-label={`Copy the ${current.title} example`}
          />
        </div>
      </div>
      {!props.token && (
        <Typography variant="caption" color="textSecondary">
          Put the webhook's token where it says {'<token>'}; rotate the token if
          it is lost.
        </Typography>
      )}
    </div>
  );
}
