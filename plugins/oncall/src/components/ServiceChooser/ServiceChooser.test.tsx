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

import { fireEvent, screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { useState } from 'react';
import { ServiceChooser } from './ServiceChooser';

const component = (name: string, owner: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { type: 'service', owner, lifecycle: 'production' },
});

function Harness() {
  const [value, setValue] = useState<string>();
  return (
    <>
      <ServiceChooser value={value} onChange={setValue} />
      <div data-testid="chosen">{value ?? 'none'}</div>
    </>
  );
}

describe('ServiceChooser', () => {
  it("offers the catalog's components with their owners, and nothing else", async () => {
    const catalogApi = catalogApiMock({
      entities: [
        component('payments', 'group:default/pay'),
        component('checkout-api', 'group:default/sre'),
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'User',
          metadata: { name: 'alice', namespace: 'default' },
          spec: {},
        },
      ],
    });
    await renderInTestApp(
      <TestApiProvider apis={[[catalogApiRef, catalogApi]]}>
        <Harness />
      </TestApiProvider>,
    );
    const input = await screen.findByLabelText('Service');
    expect(screen.getByTestId('chosen')).toHaveTextContent('none');
    fireEvent.mouseDown(input);
    const options = await screen.findAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'checkout-api component:default/checkout-api · owner group:default/sre',
      'payments component:default/payments · owner group:default/pay',
    ]);
    fireEvent.click(options[0]);
    expect(screen.getByTestId('chosen')).toHaveTextContent(
      'component:default/checkout-api',
    );
  });

  it('explains what to do when the catalog has no components', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[[catalogApiRef, catalogApiMock({ entities: [] })]]}
      >
        <Harness />
      </TestApiProvider>,
    );
    expect(await screen.findByTestId('no-services')).toHaveTextContent(
      'register a Component entity',
    );
  });
});
