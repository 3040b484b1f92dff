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

import { Typography } from '@material-ui/core';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';
import useAsync from 'react-use/esm/useAsync';
import { oncallApiRef } from '../../api/OncallApi';

/** Web links and app paths only; the backend filters too. */
const SAFE_LINK = /^(https?:\/\/|\/(?!\/))/i;

/**
 * Links to where each channel shows what it delivered for the incident (e.g.
 * DingTalk's operation records filtered by the incident). The channels give
 * the links (`GET /incidents/:id/deliveries`), so this knows no channel.
 */
export function IncidentDeliveries(props: { incident: Incident }) {
  const { incident } = props;
  const api = useApi(oncallApiRef);
  // New deliveries show up in the timeline: ask again when it grows.
  const links = useAsync(
    () => api.listDeliveryLinks(incident.id),
    [api, incident.id, incident.timeline?.length],
  );
  const items = (links.value ?? []).filter(l => SAFE_LINK.test(l.url));
  if (links.error) {
    return (
      <Typography variant="body2" color="error" role="alert">
        {`Delivery records: ${links.error.message}`}
      </Typography>
    );
  }
  if (items.length === 0) return null;
  return (
    <div data-testid="incident-deliveries" style={{ margin: '8px 0' }}>
      {items.map(l => (
        <Typography key={`${l.channel} ${l.url}`} variant="body2">
          {`Deliveries in ${l.channelTitle}: `}
          <Link to={l.url}>{l.title}</Link>
        </Typography>
      ))}
    </div>
  );
}
