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
import { ApiChart, QuotaChart } from './UsageCharts';

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
      <QuotaChart usage={usage} />
      <Typography variant="subtitle2">By API</Typography>
      <ApiChart usage={usage} />
    </div>
  );
}
