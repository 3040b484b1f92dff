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
import { mapSeverity, parseAlertPayload } from './alerts';

describe('parseAlertPayload', () => {
  it('maps an Alertmanager payload, one event per alert', () => {
    const events = parseAlertPayload({
      version: '4',
      commonLabels: { severity: 'page' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'Down', instance: 'a' },
          annotations: {
            summary: 'Instance a down',
            description: 'no scrape for 5m',
          },
          fingerprint: 'f1',
        },
        {
          status: 'resolved',
          labels: { alertname: 'Down', instance: 'b', severity: 'info' },
        },
      ],
    });
    expect(events[0]).toEqual({
      title: 'Instance a down',
      description: 'no scrape for 5m',
      severity: 'critical',
      alertKey: 'f1',
      labels: { alertname: 'Down', instance: 'a' },
      status: 'firing',
    });
    expect(events[1]).toMatchObject({
      title: 'Down',
      severity: 'info',
      status: 'resolved',
    });
    // Without a fingerprint the key is stable over label order.
    const again = parseAlertPayload({
      version: '4',
      alerts: [
        {
          status: 'firing',
          labels: { severity: 'info', instance: 'b', alertname: 'Down' },
        },
      ],
    });
    expect(again[0].alertKey).toBe(events[1].alertKey);
  });

  it('defaults the documented event and derives a key from title and labels', () => {
    const [a] = parseAlertPayload({ title: 'Slow', labels: { x: '1' } });
    const [b] = parseAlertPayload({ title: 'Slow', labels: { x: '1' } });
    const [c] = parseAlertPayload({ title: 'Slow', labels: { x: '2' } });
    expect(a).toMatchObject({
      severity: 'warning',
      status: 'firing',
      labels: { x: '1' },
    });
    expect(a.alertKey).toBe(b.alertKey);
    expect(a.alertKey).not.toBe(c.alertKey);
    expect(
      parseAlertPayload([
        { title: 'one' },
        { title: 'two', alertKey: 'k' },
      ]).map(e => e.alertKey)[1],
    ).toBe('k');
  });

  it.each([
    [null, 'must be a JSON object'],
    [[], 'at least one event'],
    [{ title: 'x', colour: 'red' }, "Unrecognized key(s) in object: 'colour'"],
    [{ title: 'x', status: 'open' }, 'status: must be "firing" or "resolved"'],
    [
      [{ title: 'ok' }, { title: 5 }],
      'Invalid alert event [1]: title: must be a string',
    ],
    [{ version: '4', alerts: [] }, 'alerts: must contain at least one alert'],
    [{ version: '4', alerts: [{ status: 'firing' }] }, 'alerts.0.labels'],
  ])('rejects %j with a reason', (body, reason) => {
    expect(() => parseAlertPayload(body)).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringContaining(reason),
      }),
    );
  });

  it('maps severities', () => {
    expect(
      [
        'critical',
        'ERROR',
        'warning',
        'whatever',
        'info',
        'none',
        undefined,
      ].map(mapSeverity),
    ).toEqual([
      'critical',
      'critical',
      'warning',
      'warning',
      'info',
      'info',
      'warning',
    ]);
  });
});
