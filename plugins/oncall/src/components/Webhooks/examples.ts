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

/** Copy-ready setups of the alert webhook for the tools people use. */
export interface WebhookExample {
  id: 'alertmanager' | 'grafana' | 'json';
  title: string;
  text: string;
}

/**
 * The token goes in the `Authorization: Bearer` header (the URL stays free
 * of secrets, so it never lands in a proxy's access log); `token` is the
 * placeholder `<token>` once the real one is no longer shown.
 */
export function webhookExamples(
  alertsUrl: string,
  token: string,
): WebhookExample[] {
  return [
    {
      id: 'alertmanager',
      title: 'Alertmanager',
      text: `# alertmanager.yml
receivers:
  - name: backstage-oncall
    webhook_configs:
      - url: ${alertsUrl}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${token}
`,
    },
    {
      id: 'grafana',
      title: 'Grafana',
      text: `# Grafana Alerting: a contact point of type Webhook
# (UI: URL below, Optional settings -> Authorization header:
#  scheme Bearer, credentials the token), or provisioned:
apiVersion: 1
contactPoints:
  - orgId: 1
    name: backstage-oncall
    receivers:
      - uid: backstage-oncall
        type: webhook
        settings:
          url: ${alertsUrl}
          httpMethod: POST
          authorization_scheme: Bearer
          authorization_credentials: ${token}
`,
    },
    {
      id: 'json',
      title: 'JSON',
      text: `curl -X POST '${alertsUrl}' \\
  -H 'Authorization: Bearer ${token}' \\
  -H 'Content-Type: application/json' \\
  -d '{"title": "Checkout error rate above 5%", "severity": "critical", "alertKey": "checkout-errors"}'
# resolve it: the same alertKey with "status": "resolved"
`,
    },
  ];
}
