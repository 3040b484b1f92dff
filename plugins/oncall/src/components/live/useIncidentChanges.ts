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

import { useEffect, useRef } from 'react';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  ONCALL_INCIDENT_SIGNAL_CHANNEL,
  type IncidentChangedSignal,
} from '@dingtalk-oncall/backstage-plugin-oncall-common';

/**
 * How often pages refetch on their own. With signals this is only a safety
 * net for a signal lost while the websocket reconnected; without the signals
 * plugin in the app it is how pages stay current.
 */
const SAFETY_NET_MS = 30_000;
const FALLBACK_MS = 5_000;

/**
 * Calls `refetch` whenever the on-call backend announces a change to an
 * incident that `matches` (all incidents when omitted), within a second of
 * the change on any replica. The signal only says which incident changed;
 * `refetch` reads it through the permission-checked API.
 *
 * @public
 */
export function useIncidentChanges(
  refetch: () => void,
  matches?: (signal: IncidentChangedSignal) => boolean,
): { live: boolean } {
  const { lastSignal, isSignalsAvailable } = useSignal<IncidentChangedSignal>(
    ONCALL_INCIDENT_SIGNAL_CHANNEL,
  );
  // Refs: a new callback each render must not resubscribe or refetch.
  const refetchRef = useRef(refetch);
  const matchesRef = useRef(matches);
  refetchRef.current = refetch;
  matchesRef.current = matches;

  useEffect(() => {
    if (!lastSignal) return;
    if (matchesRef.current && !matchesRef.current(lastSignal)) return;
    refetchRef.current();
  }, [lastSignal]);

  useEffect(() => {
    const t = setInterval(
      () => refetchRef.current(),
      isSignalsAvailable ? SAFETY_NET_MS : FALLBACK_MS,
    );
    return () => clearInterval(t);
  }, [isSignalsAvailable]);

  return { live: isSignalsAvailable };
}
