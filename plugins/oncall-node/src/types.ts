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
import type {
  ChannelTarget,
  Incident,
  Severity,
  TimelineEntry,
  TimelineEntryType,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';

export type { ChannelTarget } from '@dingtalk-oncall/backstage-plugin-oncall-common';

/**
 * A channel target chosen in a rule (e.g. a DingTalk group chat).
 * @public
 */
export interface ChannelTargetRef {
  /** Channel id, equal to {@link OncallChannel.id}. */
  channel: string;
  id: string;
  title?: string;
  integrationId?: string;
}

/**
 * Outcome of delivering to one target or user. Well-known outcomes are
 * `sent`, `updated`, `aggregated`, `app not linked`, `flow controlled`,
 * `quota exhausted` and `failed`; every result is written to the timeline.
 * @public
 */
export interface ChannelDeliveryResult {
  /** Target id, or the user entity ref for a direct message. */
  target: string;
  /** User entity ref when the delivery went to a person. */
  user?: string;
  outcome: string;
  detail?: string;
  /**
   * The delivery failed for now (e.g. no answer, flow control): the host
   * runs the step again a few times, so the channel must key its sends (a
   * repeat updates what landed instead of sending it twice).
   */
  retryable?: boolean;
}

/** @public */
export type IncidentChangeType =
  | 'acknowledged'
  | 'resolved'
  | 'snoozed'
  | 'reassigned'
  | 'commented';

/**
 * What changed on an incident; passed to {@link OncallChannel.update}.
 * @public
 */
export interface IncidentChange {
  type: IncidentChangeType;
  /** User entity ref, or e.g. `webhook:<id>` for alert events. */
  actor?: string;
  at: string;
  /** e.g. `{ minutes }` for snooze, `{ assignee }`, `{ text }` for comments. */
  data?: Record<string, unknown>;
}

/** The action ids a channel may offer on a notification. @public */
export type OncallIncidentActionId = 'acknowledge' | 'resolve' | 'snooze';

/** @public */
export interface ChannelNotifyRequest {
  incident: Incident;
  /** This channel's targets of the escalation step. */
  targets: ChannelTargetRef[];
  /** User entity refs to reach (user targets, and group targets expanded to members). */
  users: string[];
  /** 1-based escalation step number; 0 for a page outside a rule (e.g. reassign). */
  step: number;
  /** Actions valid for the incident's current status, e.g. ['acknowledge','resolve','snooze']. */
  actions: string[];
  /**
   * Aborted when the host stops waiting (its notify timeout): cancel the
   * calls in flight. The host then runs the step again, so sends must be
   * idempotent per incident and target.
   */
  signal?: AbortSignal;
}

/**
 * Incident operations a channel may perform for people, e.g. when a card
 * button is clicked. The actor is a Backstage user entity ref; the same
 * state machine as the REST API applies (e.g. acknowledging a resolved
 * incident throws a ConflictError).
 *
 * The on-call host authorizes every change before it happens: the actor
 * must be one of the incident's responders, in the ownership of its service
 * (the user or one of their groups owns it in the catalog), or a member of
 * `oncall.channelActions.allowedGroups`. Otherwise nothing changes, the
 * attempt is written to the timeline, and a NotAllowedError is thrown whose
 * message says why: show it to the person. Channels need no checks of their
 * own, but must only pass an actor they have authenticated (e.g. a linked
 * DingTalk account of a signed click).
 * @public
 */
export interface OncallIncidentActions {
  acknowledge(id: string, actor: string): Promise<Incident>;
  resolve(id: string, actor: string): Promise<Incident>;
  snooze(id: string, actor: string, minutes: number): Promise<Incident>;
  comment(id: string, actor: string, text: string): Promise<Incident>;
  recordTimeline(
    id: string,
    entry: {
      type: TimelineEntryType;
      message: string;
      actor?: string;
      data?: Record<string, unknown>;
    },
  ): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  /**
   * Chat commands (contract 2 of docs/DESIGN.md). Authorised like the
   * actions above; `note` writes a timeline entry of type `note`.
   */
  note(id: string, actor: string, text: string): Promise<Incident>;
  /** Hands the incident over to `assignee` (a user entity ref) and pages them. */
  assign(id: string, actor: string, assignee: string): Promise<Incident>;
  /** Runs the next step of the incident's escalation rule now. */
  escalate(id: string, actor: string): Promise<Incident>;
  /** Open incidents the person is a responder or the assignee of, newest first. */
  listOpenFor(actor: string, limit?: number): Promise<Incident[]>;
  /**
   * Declares an incident for a service from a channel. The actor must own
   * the service (they or one of their groups) or be in
   * `oncall.channelActions.allowedGroups`; the service must be in the catalog.
   */
  declare(
    req: { serviceRef: string; title: string; severity?: Severity },
    actor: string,
  ): Promise<Incident>;
  /**
   * Records a chat message (e.g. in a war room) in the incident's timeline as
   * a `chat-message` entry. Not an action on the incident: no authorisation
   * beyond the channel having authenticated the message, nothing changes.
   */
  recordMessage(id: string, message: OncallChatMessage): Promise<void>;
  /** The incident's timeline, oldest first (e.g. for a summary in a war room). */
  timeline(id: string): Promise<TimelineEntry[]>;
}

/**
 * A chat message for the incident timeline (entry type `chat-message`, the
 * message in `data`).
 * @public
 */
export interface OncallChatMessage {
  /** Channel id, e.g. `dingtalk`. */
  channel: string;
  /** The sender's user entity ref when their chat account is linked. */
  sender?: string;
  /** The sender's name as the chat shows it. */
  senderName?: string;
  text: string;
  /** A link back to the conversation. */
  link?: string;
  /** Marked as a key event (shown as a highlight, in the summary and report). */
  keyEvent?: boolean;
  /** ISO time the chat gives the message. */
  sentAt?: string;
  /** The chat's message id, for de-duplication. */
  messageId?: string;
  /** The channel already cut the text to its own limit. */
  truncated?: boolean;
}

/**
 * A way to reach people about incidents (DingTalk, ...).
 * @public
 */
export interface OncallChannel {
  /** Stable id used in rule targets, e.g. `dingtalk`. */
  id: string;
  /** Display name, e.g. `DingTalk`. */
  title: string;
  /** Targets offered in the rule editor's picker. */
  listTargets(opts: {
    query?: string;
    limit?: number;
    cursor?: string;
  }): Promise<{ items: ChannelTarget[]; nextCursor?: string }>;
  /** Notify targets and users of an escalation step; one result per delivery. */
  notify(req: ChannelNotifyRequest): Promise<ChannelDeliveryResult[]>;
  /** Update what was sent (e.g. cards) after the incident changed. */
  update(req: { incident: Incident; change: IncidentChange }): Promise<void>;
  /** Called once at startup with actions bound to the on-call backend. */
  bind?(ctx: { incidents: OncallIncidentActions }): void;
  /**
   * War rooms, when the channel has them: the host's
   * `POST /api/oncall/incidents/:id/war-room { channel }` calls `create`
   * after checking `oncall.incident.update` on the incident.
   */
  warRooms?: OncallWarRooms;
  /**
   * Where people can see what the channel delivered for an incident (e.g.
   * DingTalk's operation records filtered by the incident): the host's
   * `GET /api/oncall/incidents/:id/deliveries` lists them on the incident
   * page after checking `oncall.incident.read`.
   */
  deliveryLinks?(req: { incident: Incident }): Promise<OncallDeliveryLink[]>;
}

/**
 * A link to a channel's own view of its deliveries for an incident.
 * @public
 */
export interface OncallDeliveryLink {
  /** e.g. `Operation records (Demo corp)`. */
  title: string;
  /** Absolute URL, or a path of the Backstage app starting with `/`. */
  url: string;
}

/**
 * A channel's war rooms (e.g. DingTalk scene groups).
 * @public
 */
export interface OncallWarRooms {
  /**
   * Opens (or returns the already opened) war room of the incident.
   * Throws `InputError` when the channel is not set up for war rooms.
   */
  create(req: {
    incident: Incident;
    /** The user entity ref of the person who asked for the room. */
    requestedBy: string;
    /** User entity refs to invite: responders and the assignee. */
    memberRefs: string[];
  }): Promise<{ id: string; title: string; url?: string }>;
}

/** @public */
export interface OncallChannelsExtensionPoint {
  addChannel(channel: OncallChannel): void;
}
