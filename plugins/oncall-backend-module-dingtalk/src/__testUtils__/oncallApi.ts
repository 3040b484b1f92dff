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

// The on-call plugin's and the dingtalk plugin's HTTP routes as the tests
// drive them to set a scene: link people, set an escalation rule, create a
// webhook, fire an alert. Each expects the status a working route answers,
// so a broken set-up fails where it breaks, not in a later assertion.
import request from 'supertest';
import { alertmanager, SERVICE } from './backend';

type Server = Parameters<typeof request>[0];

/** Links every DingTalk person of `demo` to the Backstage user of the same mobile. */
export function linkAllByMobile(server: Server) {
  return request(server)
    .post('/api/dingtalk/integrations/demo/links/link-all-by-mobile')
    .expect(200);
}

/** An escalation target: a DingTalk group of the integration `demo`. */
export function groupTarget(openConversationId: string, title?: string) {
  return {
    type: 'channel',
    channel: 'dingtalk',
    id: openConversationId,
    ...(title === undefined ? {} : { title }),
    integrationId: 'demo',
  };
}

/** An escalation target: a person (the channel sends them a direct card). */
export function userTarget(ref: string) {
  return { type: 'user', ref };
}

/** An escalation step that pages `targets` at once. */
export function atOnce(...targets: object[]) {
  return { delayMinutes: 0, targets };
}

/** Sets the escalation rule of `serviceRef` (default SERVICE). */
export async function putRule(
  server: Server,
  steps: object[],
  { name = 'Checkout', serviceRef = SERVICE } = {},
) {
  await request(server)
    .put(`/api/oncall/services/${encodeURIComponent(serviceRef)}/rule`)
    .send({ name, steps })
    .expect(200);
}

/** Creates an alert webhook of `serviceRef` (default SERVICE); its token. */
export async function createWebhook(
  server: Server,
  name = 'alertmanager',
  serviceRef = SERVICE,
): Promise<string> {
  const hook = await request(server)
    .post(`/api/oncall/services/${encodeURIComponent(serviceRef)}/webhooks`)
    .send({ name })
    .expect(201);
  return hook.body.token;
}

/** Posts one alert payload to a webhook; the id of the incident it opened. */
export async function fireAlert(
  server: Server,
  token: string,
  payload: object,
): Promise<string> {
  const fired = await request(server)
    .post(`/api/oncall/alerts/${token}`)
    .send(payload)
    .expect(202);
  return fired.body.results[0].incidentId;
}

/**
 * The usual scene: `steps` become SERVICE's rule, a webhook named `webhook`
 * is created, and Alertmanager fires its alert (fp-1) to it. The webhook's
 * token (to clear the alert later) and the incident's id.
 */
export async function raiseAlert(
  server: Server,
  steps: object[],
  webhook = 'alertmanager',
) {
  await putRule(server, steps);
  const token = await createWebhook(server, webhook);
  const id = await fireAlert(server, token, alertmanager('firing'));
  return { token, id };
}
