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

import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { DingtalkUsage } from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { apiSeries, usageSeries } from './usageSeries';

const BLUE = '#1677ff';
const GREEN = '#52c41a';
const ORANGE = '#fa8c16';
const RED = '#f5222d';
const GREY = '#bfbfbf';

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Daily calls (bars, right axis) and the month's running total (line, left
 * axis) against the quota line, with the forecast to the month's end.
 */
export function QuotaChart(props: { usage: DingtalkUsage }) {
  const { usage } = props;
  const data = usageSeries(usage);
  const top = Math.max(usage.quota, usage.forecast, usage.calls) * 1.08;
  return (
    <div role="img" aria-label="Calls this month against the quota">
      <ResponsiveContainer
        width="100%"
        height={280}
        initialDimension={{ width: 720, height: 280 }}
      >
        <ComposedChart
          data={data}
          margin={{ top: 16, right: 16, bottom: 8, left: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="day"
            label={{ value: usage.month, position: 'insideBottomRight' }}
          />
          <YAxis
            yAxisId="total"
            domain={[0, Math.ceil(top)]}
            tickFormatter={fmt}
            width={72}
          />
          <YAxis
            yAxisId="daily"
            orientation="right"
            tickFormatter={fmt}
            width={56}
          />
          <Tooltip formatter={(v: number) => fmt(v)} />
          <Legend />
          <Bar
            yAxisId="daily"
            dataKey="calls"
            name="Calls per day"
            fill={BLUE}
            isAnimationActive={false}
          />
          <Line
            yAxisId="total"
            dataKey="total"
            name="Calls this month"
            stroke={GREEN}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            yAxisId="total"
            dataKey="forecast"
            name="Forecast"
            stroke={usage.forecast > usage.quota ? RED : ORANGE}
            strokeDasharray="6 4"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <ReferenceLine
            yAxisId="total"
            y={usage.quota}
            stroke={RED}
            label={{
              value: `Monthly quota ${fmt(usage.quota)}`,
              position: 'insideTopLeft',
              fill: RED,
            }}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** This month's calls by API; unmetered calls beside the metered ones. */
export function ApiChart(props: { usage: DingtalkUsage }) {
  const data = apiSeries(props.usage);
  if (data.length === 0) return null;
  return (
    <div role="img" aria-label="Calls by API">
      <ResponsiveContainer
        width="100%"
        height={48 + data.length * 32}
        initialDimension={{ width: 720, height: 48 + data.length * 32 }}
      >
        <BarChart
          data={data}
          layout="vertical"
          margin={{ top: 8, right: 24, bottom: 8, left: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" tickFormatter={fmt} />
          <YAxis type="category" dataKey="api" width={240} interval={0} />
          <Tooltip formatter={(v: number) => fmt(v)} />
          <Legend />
          <Bar
            dataKey="metered"
            name="Counted against the quota"
            stackId="calls"
            fill={BLUE}
            isAnimationActive={false}
          />
          <Bar
            dataKey="exempt"
            name="Not metered"
            stackId="calls"
            fill={GREY}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
