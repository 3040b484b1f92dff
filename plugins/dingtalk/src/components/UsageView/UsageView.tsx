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

import { useEffect, useState } from 'react';
import { LinearProgress, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import type { DingtalkUsage } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { dingtalkApiRef } from '../../api/DingtalkApi';

/** Calls this month against the quota, the QPS limit, the forecast, and a daily chart. @public */
export function UsageView(props: { integrationId: string }) {
  const api = useApi(dingtalkApiRef);
  const [usage, setUsage] = useState<DingtalkUsage>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.usage(props.integrationId).then(setUsage, e => setError(e.message));
  }, [api, props.integrationId]);
  if (error) return <Typography color="error">{error}</Typography>;
  if (!usage) return <LinearProgress />;
  const max = Math.max(1, ...usage.daily.map(d => d.calls));
  const forecastShare = Math.min(100, (usage.forecast / usage.quota) * 100);
  return (
    <div data-testid="usage-view">
      <Typography variant="h6">{`${usage.calls.toLocaleString()} of ${usage.quota.toLocaleString()} calls this month (${
        usage.percentUsed
      }%)`}</Typography>
      <LinearProgress
        variant="determinate"
        value={Math.min(100, usage.percentUsed)}
        aria-label="Quota used"
      />
      <Typography variant="body2">{`QPS limit: ${
        usage.qpsLimit
      } · Forecast for ${
        usage.month
      }: ${usage.forecast.toLocaleString()} calls (${Math.round(
        forecastShare,
      )}% of quota)`}</Typography>
      {usage.forecast > usage.quota && (
        <Typography color="error">
          At this rate the quota runs out before the end of the month: DingTalk
          then stops delivering messages until the 1st.
        </Typography>
      )}
      <svg
        role="img"
        aria-label="Calls per day"
        width="100%"
        height="120"
        viewBox={`0 0 ${Math.max(31, usage.daily.length) * 12} 120`}
        preserveAspectRatio="none"
      >
        {usage.daily.map((d, i) => {
          const h = (d.calls / max) * 100;
          return (
            <g key={d.date}>
              <rect
                x={i * 12 + 1}
                y={110 - h}
                width={10}
                height={h}
                fill="#1677ff"
              >
                <title>{`${d.date}: ${d.calls} calls`}</title>
              </rect>
            </g>
          );
        })}
      </svg>
      <Typography variant="subtitle2">By API</Typography>
      <ul>
        {Object.entries(usage.byApi).map(([apiName, n]) => (
          <li key={apiName}>
            <Typography variant="body2">{`${apiName}: ${n}`}</Typography>
          </li>
        ))}
      </ul>
    </div>
  );
}
