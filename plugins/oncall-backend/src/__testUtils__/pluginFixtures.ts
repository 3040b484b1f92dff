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

// The service the plugin tests escalate for, and an Alertmanager webhook body
// as Alertmanager v4 sends it (plugin*.test.ts).
export const SERVICE = 'component:default/payments';
export const SERVICE_PATH = encodeURIComponent(SERVICE);

export const alertmanager = (
  status: 'firing' | 'resolved',
  fingerprint = 'fp-1',
) => ({
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate"}',
  status,
  receiver: 'oncall',
  commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
  alerts: [
    {
      status,
      labels: {
        alertname: 'HighErrorRate',
        severity: 'critical',
        service: 'payments',
      },
      annotations: {
        summary: 'Error rate above 5%',
        description: 'payments-api 5xx at 7%',
      },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint,
    },
  ],
});
