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

/** @public */
export type Severity = 'critical' | 'warning' | 'info';
/** @public */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** @public */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
/** @public */
export const INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'triggered',
  'acknowledged',
  'resolved',
];

/**
 * What the timeline records. Channels may record their own kinds through
 * `recordTimeline`, so consumers must tolerate unknown strings.
 * @public
 */
export type TimelineEntryType =
  | 'created'
  | 'alert'
  | 'escalation'
  | 'notification'
  | 'acknowledged'
  | 'resolved'
  | 'reassigned'
  | 'snoozed'
  | 'comment'
  | 'channel'
  | (string & {});

/** @public */
export interface TimelineEntry {
  id: string;
  incidentId: string;
  type: TimelineEntryType;
  message: string;
  /** A user entity ref, or e.g. `webhook:<id>` / `system:escalation`. */
  actor?: string;
  data?: Record<string, unknown>;
  createdAt: string;
}

/** @public */
export interface Incident {
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  status: IncidentStatus;
  /** Catalog entity ref of the service, e.g. `component:default/payments`. */
  serviceRef: string;
  labels: Record<string, string>;
  /** De-duplication key: events with the same key merge into the open incident. */
  alertKey?: string;
  /** Number of alert events merged into this incident. */
  alertCount: number;
  /** User entity refs who were paged, assigned or acted on the incident. */
  responders: string[];
  /** User entity ref the incident is (re)assigned to. */
  assignee?: string;
  snoozedUntil?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Present on `GET /incidents/:id` only. */
  timeline?: TimelineEntry[];
}

/** @public */
export type EscalationTarget =
  | { type: 'user'; ref: string }
  | { type: 'group'; ref: string }
  | {
      type: 'channel';
      /** Channel id, e.g. `dingtalk`. */
      channel: string;
      /** Target id within the channel, e.g. a group chat id. */
      id: string;
      title?: string;
      integrationId?: string;
    };

/** @public */
export interface EscalationStep {
  /** Minutes to wait after the previous step (after creation for step 1). */
  delayMinutes: number;
  targets: EscalationTarget[];
}

/** @public */
export interface EscalationRule {
  id: string;
  serviceRef: string;
  name: string;
  steps: EscalationStep[];
  /** How many times the whole chain runs again after the last step (0 = once). */
  repeat: number;
  /** Minutes between the last step and the next round; default 10. */
  repeatDelayMinutes?: number;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
}

/** The documented JSON alert event of `POST /api/oncall/alerts/:token`. @public */
export interface AlertEvent {
  title: string;
  severity?: Severity;
  description?: string;
  alertKey?: string;
  labels?: Record<string, string>;
  status?: 'firing' | 'resolved';
}

/** @public */
export type AlertIngestAction = 'created' | 'merged' | 'resolved' | 'ignored';

/** Answer of the alert webhook. @public */
export interface AlertIngestResponse {
  results: Array<{
    incidentId?: string;
    alertKey?: string;
    action: AlertIngestAction;
  }>;
}

/** @public */
export interface WebhookToken {
  id: string;
  serviceRef: string;
  name: string;
  /** First characters of the token, to tell tokens apart. */
  tokenPrefix: string;
  createdAt: string;
  createdBy?: string;
  lastUsedAt?: string;
}

/** Returned once by `POST /services/:serviceRef/webhooks`. @public */
export interface CreatedWebhookToken extends WebhookToken {
  token: string;
  /** Path relative to the backend base URL, e.g. `/api/oncall/alerts/<token>`. */
  path: string;
}

/** @public */
export interface IncidentList {
  items: Incident[];
  totalCount: number;
}

/** Registered channel as listed by `GET /channels`. @public */
export interface ChannelInfo {
  id: string;
  title: string;
}

/** A pickable channel target, as listed by `GET /channels/:channel/targets`. @public */
export interface ChannelTarget {
  id: string;
  title: string;
  description?: string;
  integrationId?: string;
  /** Whether the target can currently receive messages (e.g. app installed). */
  available?: boolean;
}

/** @public */
export interface ChannelTargetList {
  items: ChannelTarget[];
  nextCursor?: string;
}
