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
import { InputError } from '@backstage/errors';
import {
  AlertEvent,
  alertEventSchema,
  alertmanagerPayloadSchema,
  formatZodError,
  Severity,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';
import { createHash } from 'node:crypto';

/** A parsed alert event with its de-duplication key settled. */
export type NormalizedAlert = Required<
  Pick<AlertEvent, 'title' | 'severity' | 'alertKey' | 'labels' | 'status'>
> &
  Pick<AlertEvent, 'description'>;

const MAX_EVENTS_PER_REQUEST = 1000;

/**
 * Parses a webhook body. The format is detected by shape: an object with an
 * `alerts` array is Prometheus Alertmanager's (version 4), anything else is
 * the documented event (or an array of them). The whole body is validated
 * before anything is written, so a bad alert cannot leave half a batch behind.
 */
export function parseAlertPayload(body: unknown): NormalizedAlert[] {
  if (body === null || typeof body !== 'object') {
    throw new InputError(
      'Alert payload must be a JSON object (an alert event or an Alertmanager webhook payload)',
    );
  }
  if (!Array.isArray(body) && Array.isArray((body as any).alerts)) {
    const parsed = alertmanagerPayloadSchema.safeParse(body);
    if (!parsed.success) {
      throw new InputError(
        formatZodError(parsed.error, 'Invalid Alertmanager payload'),
      );
    }
    const common = parsed.data.commonLabels ?? {};
    return parsed.data.alerts.map(alert => {
      const labels = alert.labels;
      const annotations = alert.annotations ?? {};
      const title =
        annotations.summary ||
        annotations.title ||
        labels.alertname ||
        'Alertmanager alert';
      const description = annotations.description || annotations.message;
      return {
        title: title.slice(0, 512),
        description: description?.slice(0, 16384),
        severity: mapSeverity(labels.severity ?? common.severity),
        alertKey: alert.fingerprint || `am-${hashLabels(labels)}`,
        labels,
        status: alert.status,
      };
    });
  }
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) {
    throw new InputError('Alert payload must contain at least one event');
  }
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    throw new InputError(
      `Alert payload must contain at most ${MAX_EVENTS_PER_REQUEST} events`,
    );
  }
  return events.map((event, index) => {
    const parsed = alertEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InputError(
        formatZodError(
          parsed.error,
          Array.isArray(body)
            ? `Invalid alert event [${index}]`
            : 'Invalid alert event',
        ),
      );
    }
    const e = parsed.data;
    const labels = e.labels ?? {};
    return {
      title: e.title,
      description: e.description,
      severity: e.severity ?? 'warning',
      // Without a key, the same title and labels are the same alert.
      alertKey:
        e.alertKey ?? `ev-${hashLabels({ ...labels, __title: e.title })}`,
      labels,
      status: e.status ?? 'firing',
    };
  });
}

/** Maps the usual Prometheus `severity` label values to ours. */
export function mapSeverity(value: string | undefined): Severity {
  switch ((value ?? '').toLocaleLowerCase('en-US')) {
    case 'critical':
    case 'page':
    case 'error':
    case 'high':
    case 'p1':
      return 'critical';
    case 'info':
    case 'informational':
    case 'none':
    case 'low':
      return 'info';
    default:
      return 'warning';
  }
}

function hashLabels(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map(k => [k, labels[k]]);
  return createHash('sha256')
    .update(JSON.stringify(sorted))
    .digest('hex')
    .slice(0, 32);
}
