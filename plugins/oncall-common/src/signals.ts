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
import type { IncidentStatus } from './types';

/**
 * The Backstage signals channel on which the on-call backend announces every
 * change to an incident (status, timeline, responders).
 *
 * @public
 */
export const ONCALL_INCIDENT_SIGNAL_CHANNEL = 'oncall:incident';

/**
 * The message of a signal on {@link ONCALL_INCIDENT_SIGNAL_CHANNEL}. It is a
 * nudge, not the data: signals are broadcast to every connected browser, so
 * it carries no title or text, and pages refetch the incident through the
 * permission-checked API.
 *
 * @public
 */
export type IncidentChangedSignal = {
  incidentId: string;
  serviceRef: string;
  status: IncidentStatus;
  /** ISO 8601 time of the incident's last change. */
  updatedAt: string;
};
