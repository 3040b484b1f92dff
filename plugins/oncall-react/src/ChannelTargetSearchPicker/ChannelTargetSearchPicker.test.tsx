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
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import type { EscalationChannelTarget } from '../pickers';
import { ChannelTargetSearchPicker } from './ChannelTargetSearchPicker';

jest.setTimeout(30_000);

const TARGETS = Array.from({ length: 5 }, (_, i) => ({
  id: `t${i + 1}`,
  title: `Room ${i + 1}`,
  integrationId: 'corp',
}));

/** The host's `/channels/:id/targets` semantics: search, then pages of 2. */
const queries: Array<{ query?: string; cursor?: string }> = [];
async function listTargets(opts: { query?: string; cursor?: string }) {
  queries.push(opts);
  const matching = TARGETS.filter(t => t.title.includes(opts.query ?? ''));
  const start = Number(opts.cursor ?? 0);
  return {
    items: matching.slice(start, start + 2),
    nextCursor: start + 2 < matching.length ? String(start + 2) : undefined,
  };
}

function Harness(props: { onValue: (v: EscalationChannelTarget[]) => void }) {
  const [value, setValue] = useState<EscalationChannelTarget[]>([]);
  return (
    <ChannelTargetSearchPicker
      channel={{ id: 'chat', title: 'Chat' }}
      label="Chat targets"
      value={value}
      onChange={v => {
        setValue(v);
        props.onValue(v);
      }}
      listTargets={listTargets}
    />
  );
}

describe('ChannelTargetSearchPicker', () => {
  it('searches on the server, pages with the cursor and picks targets of its channel', async () => {
    let value: EscalationChannelTarget[] = [];
    await renderInTestApp(<Harness onValue={v => (value = v)} />);
    expect(await screen.findByText('Room 2')).toBeInTheDocument();
    expect(screen.queryByText('Room 3')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    fireEvent.click(await screen.findByLabelText('Room 3'));
    expect(value).toEqual([
      {
        type: 'channel',
        channel: 'chat',
        id: 't3',
        title: 'Room 3',
        integrationId: 'corp',
      },
    ]);
    expect(queries).toContainEqual({
      query: undefined,
      limit: 20,
      cursor: '2',
    });

    fireEvent.change(screen.getByLabelText('Search Chat targets'), {
      target: { value: 'Room 5' },
    });
    await waitFor(() => expect(screen.queryByText('Room 1')).toBeNull());
    expect(queries.at(-1)).toEqual({ query: 'Room 5', limit: 20 });
    // The chip of what is picked removes it.
    fireEvent.click(
      screen.getByRole('button', { name: 'Room 3' }).querySelector('svg')!,
    );
    expect(value).toEqual([]);
  });
});
