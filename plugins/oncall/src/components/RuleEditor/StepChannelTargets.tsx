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

import { Chip, Typography } from '@material-ui/core';
import { ChannelTargetSearchPicker } from '@dingtalk-oncall/backstage-plugin-oncall-react';
import type { EscalationChannelTarget } from '@dingtalk-oncall/backstage-plugin-oncall-react';
import type { ChannelPickers } from './useChannelPickers';
import { withChannelTargets } from './drafts';

/**
 * The channel targets of one step: for every channel the backend lists, the
 * picker that channel contributed or the generic one; targets of a channel
 * the backend does not list (uninstalled, or not loaded) stay as chips that
 * can be removed but are otherwise kept exactly as they were.
 */
export function StepChannelTargets(props: {
  stepNo: number;
  pickers?: ChannelPickers;
  value: EscalationChannelTarget[];
  onChange: (value: EscalationChannelTarget[]) => void;
}) {
  const { pickers, value, onChange, stepNo } = props;
  const listed = new Set(pickers?.channels.map(c => c.id) ?? []);
  const orphans = value.filter(t => !listed.has(t.channel));
  return (
    <div>
      {pickers?.channels.map(channel => {
        const Picker =
          pickers.pickers.get(channel.id) ?? ChannelTargetSearchPicker;
        return (
          <div key={channel.id} style={{ marginTop: 8 }}>
            <Picker
              channel={channel}
              label={`${channel.title} targets for step ${stepNo}`}
              value={value.filter(t => t.channel === channel.id)}
              onChange={mine =>
                onChange(withChannelTargets(value, channel.id, mine))
              }
              listTargets={pickers.listTargets(channel.id)}
            />
          </div>
        );
      })}
      {orphans.length > 0 && (
        <div style={{ marginTop: 8 }} data-testid={`step-${stepNo}-kept`}>
          <Typography variant="subtitle2">
            Targets of channels this Backstage does not list (kept as they are)
          </Typography>
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: 4 }}>
            {orphans.map(t => (
              <Chip
                key={`${t.channel}/${t.integrationId ?? ''}/${t.id}`}
                size="small"
                label={`${t.channel}: ${t.title ?? t.id}`}
                onDelete={() => onChange(value.filter(x => x !== t))}
              />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
