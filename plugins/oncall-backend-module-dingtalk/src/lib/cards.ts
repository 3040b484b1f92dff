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
  DingtalkLinkPolicy,
  escapeDingtalkMarkdown,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { Incident } from '@dingtalk-oncall/backstage-plugin-oncall-common';

/** DingTalk's limits on card text: longer text is cut, never rejected. */
export const LIMITS = { title: 128, markdown: 5000 };

const SEVERITY = {
  critical: { label: 'CRITICAL', color: '#F5222D' },
  warning: { label: 'WARNING', color: '#FA8C16' },
  info: { label: 'INFO', color: '#1677FF' },
} as const;

/** The built-in card body. Fields: {{title}}, {{severity}}, {{status}}, {{service}}, {{startedAt}}, {{description}}, {{labels}}, {{link}}, {{responders}}. */
export const DEFAULT_TEMPLATE = [
  '**{{severity}}** · {{status}}',
  '',
  '**Service:** {{service}}',
  '**Started:** {{startedAt}}',
  '{{responders}}',
  '',
  '{{description}}',
  '',
  '{{labels}}',
  '',
  '[Open in Backstage]({{link}})',
].join('\n');

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Renders a template. Unknown fields are an error (so that a typo in a custom
 * template falls back to the default template instead of sending blanks).
 */
export function render(
  template: string,
  fields: Record<string, string>,
): string {
  return template.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in fields))
      throw new Error(`unknown template field {{${name}}}`);
    return fields[name];
  });
}

/**
 * The links a card may carry: the Backstage app, the hosts of
 * `oncall.channels.dingtalk.allowedLinkHosts`, and DingTalk's own client
 * links (`dingtalk://`, e.g. a war room's group) that the plugin makes.
 */
function linkPolicy(appBaseUrl: string, allowedLinkHosts?: string[]) {
  return new DingtalkLinkPolicy({
    baseUrl: appBaseUrl,
    allowedHosts: allowedLinkHosts,
  });
}

function actionUrl(
  url: string | undefined,
  links: DingtalkLinkPolicy,
): string | undefined {
  if (url?.startsWith('dingtalk://')) return url;
  return links.filter(url);
}

export interface CardContent {
  title: string;
  markdown: string;
  cardParamMap: Record<string, string>;
  actions: Array<{
    id: string;
    label: string;
    params?: Record<string, string>;
    url?: string;
  }>;
  fallback?: string;
}

/** The card for an incident, from the configured template or the default one. */
export function incidentCard(opts: {
  incident: Incident;
  appBaseUrl: string;
  template?: string;
  mentions?: string[];
  warRoomUrl?: string;
  /** Hosts besides the Backstage app that links in alert text may point to. */
  allowedLinkHosts?: string[];
}): CardContent {
  const { incident } = opts;
  const sev = SEVERITY[incident.severity] ?? SEVERITY.info;
  const link = `${opts.appBaseUrl.replace(
    /\/$/,
    '',
  )}/oncall/incidents/${encodeURIComponent(incident.id)}`;
  // Alert text comes from whoever holds a webhook token: it is escaped so
  // that it renders as text, with links only to allowed hosts. The template
  // (config, written by an admin) is markdown.
  const links = linkPolicy(opts.appBaseUrl, opts.allowedLinkHosts);
  const text = (value: string) => escapeDingtalkMarkdown(value, links);
  const fields = {
    title: text(incident.title),
    severity: sev.label,
    status: incident.status,
    service: text(incident.serviceRef),
    startedAt: incident.createdAt,
    description: text(incident.description ?? ''),
    labels: Object.entries(incident.labels ?? {})
      .map(([k, v]) => `**${text(k)}**: ${text(v)}`)
      .join('\n'),
    link,
    responders: opts.mentions?.length
      ? opts.mentions.map(m => `@${m}`).join(' ')
      : '',
  };
  let markdown: string;
  let fallback: string | undefined;
  try {
    markdown = render(opts.template ?? DEFAULT_TEMPLATE, fields);
  } catch (e) {
    fallback = `custom template failed (${
      (e as Error).message
    }); used the default template`;
    markdown = render(DEFAULT_TEMPLATE, fields);
  }
  markdown = truncate(
    markdown.replace(/\n{3,}/g, '\n\n').trim(),
    LIMITS.markdown,
  );
  const open = incident.status !== 'resolved';
  const actions: CardContent['actions'] = [];
  if (incident.status === 'triggered')
    actions.push({ id: 'acknowledge', label: 'Acknowledge' });
  if (open) {
    actions.push({ id: 'resolve', label: 'Resolve' });
    for (const minutes of ['30', '60', '240']) {
      actions.push({
        id: 'snooze',
        label: `Snooze ${
          Number(minutes) >= 60 ? `${Number(minutes) / 60}h` : `${minutes}m`
        }`,
        params: { minutes },
      });
    }
  }
  const warRoomUrl = actionUrl(opts.warRoomUrl, links);
  if (warRoomUrl)
    actions.push({
      id: 'war-room',
      label: 'Open war room',
      url: warRoomUrl,
    });
  actions.push({ id: 'open', label: 'Details', url: link });
  const title = truncate(
    `[${sev.label}] ${text(incident.title)}`,
    LIMITS.title,
  );
  return {
    title,
    markdown,
    actions,
    fallback,
    cardParamMap: {
      title,
      markdown,
      status: incident.status,
      severity: incident.severity,
      severityColor: sev.color,
      service: incident.serviceRef,
      startedAt: incident.createdAt,
      link,
      actions: JSON.stringify(actions),
      acknowledgedBy: incident.acknowledgedBy ?? '',
      resolvedBy: incident.resolvedBy ?? '',
    },
  };
}

/** A digest card for several incidents to one target during an alert storm. */
export function digestCard(
  incidents: Incident[],
  appBaseUrl: string,
  allowedLinkHosts?: string[],
): CardContent {
  const base = appBaseUrl.replace(/\/$/, '');
  const links = linkPolicy(appBaseUrl, allowedLinkHosts);
  const lines = incidents
    .slice(0, 20)
    .map(
      i =>
        `- **${
          SEVERITY[i.severity]?.label ?? i.severity
        }** [${escapeDingtalkMarkdown(
          truncate(i.title, 80),
          links,
        )}](${base}/oncall/incidents/${encodeURIComponent(i.id)})`,
    );
  const more =
    incidents.length > 20 ? `\n\n…and ${incidents.length - 20} more` : '';
  const title = `${incidents.length} new incidents (digest)`;
  const markdown = truncate(
    `${lines.join('\n')}${more}\n\n[All incidents](${base}/oncall)`,
    LIMITS.markdown,
  );
  const actions = [
    { id: 'open', label: 'Open incidents', url: `${base}/oncall` },
  ];
  return {
    title,
    markdown,
    actions,
    cardParamMap: {
      title,
      markdown,
      status: 'digest',
      actions: JSON.stringify(actions),
    },
  };
}
