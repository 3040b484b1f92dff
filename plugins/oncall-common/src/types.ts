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
  /** A note, e.g. `@bot note ...` in a chat. */
  | 'note'
  /** A chat message (war room); `data`: sender, senderName, text, link, keyEvent, channel. */
  | 'chat-message'
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
  /**
   * When an alert last arrived with this webhook's token (to the minute:
   * written at most once a minute).
   */
  lastUsedAt?: string;
  /** When the token was last replaced by a new one. */
  rotatedAt?: string;
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
  /** What the channel offers beyond notifying (absent: nothing more). */
  capabilities?: {
    /** `POST /incidents/:id/war-room { channel }` opens a war room there. */
    warRooms?: boolean;
  };
}

/** A war room a channel opened for an incident. @public */
export interface WarRoom {
  /** The channel that opened it. */
  channel: string;
  /** The room's id in the channel, e.g. a DingTalk openConversationId. */
  id: string;
  title: string;
  /** A link that opens the room, when the channel has one. */
  url?: string;
}

/**
 * Where a channel shows what it delivered for an incident (e.g. DingTalk's
 * operation records filtered by the incident); from
 * `GET /incidents/:id/deliveries`.
 * @public
 */
export interface IncidentDeliveryLink {
  /** The channel's id, e.g. `dingtalk`. */
  channel: string;
  /** The channel's display name, e.g. `DingTalk`. */
  channelTitle: string;
  title: string;
  /** Absolute URL, or a path of the Backstage app starting with `/`. */
  url: string;
}

/**
 * A person's choice of how on-call reaches them directly (contract 6 of
 * docs/DESIGN.md). A channel not named keeps its default: direct messages
 * on. Group targets (e.g. a group chat) are not affected.
 * @public
 */
export interface NotificationPreferences {
  channels: Record<string, { direct: boolean }>;
  /** No direct messages on any channel until then (ISO time). */
  pausedUntil?: string;
}

/** Where an incident's escalation stands, `GET /incidents/:id/escalation`. @public */
export interface EscalationProgress {
  state: 'active' | 'done' | 'stopped';
  ruleName: string;
  totalSteps: number;
  /** 1-based number of the last step that ran; 0 before the first. */
  lastStep: number;
  /** 0-based round (the rule's `repeat` runs it again). */
  round: number;
  repeat: number;
  /** 1-based number of the next step, while the escalation is active. */
  nextStep?: number;
  /** When the next step runs (ISO), while the escalation is active. */
  nextStepDueAt?: string;
}

/** One service's on-call setup, `GET /services`. @public */
export interface ServiceOncallSummary {
  serviceRef: string;
  rule?: { name: string; steps: number; updatedAt: string };
  openIncidents: number;
  webhooks: number;
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
