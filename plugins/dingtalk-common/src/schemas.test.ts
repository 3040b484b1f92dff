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
  buildIntegrationUrls,
  DINGTALK_EDITIONS,
  formatValidationError,
  integrationCreateSchema,
  integrationUpdateSchema,
} from '.';

const valid = {
  name: 'Acme',
  corpId: 'dingacme0000',
  agentId: '3000000001',
  clientId: 'dingacmeappkey',
  clientSecret: 'secret-value',
  aesKey: 'ZGluZ3RhbGstb25jYWxsLWRlbW8tYWVzLWtleS0zMmI',
  token: 'signature-token',
  edition: 'standard',
};

describe('integrationCreateSchema', () => {
  it('accepts a complete integration and defaults transport and war room', () => {
    const parsed = integrationCreateSchema.parse(valid);
    expect(parsed.transport).toBe('http');
    expect(parsed.warRoom).toEqual({});
  });

  it('explains why an aes_key of the wrong length is refused', () => {
    const result = integrationCreateSchema.safeParse({
      ...valid,
      aesKey: valid.aesKey.slice(0, 42),
    });
    expect(result.success).toBe(false);
    expect(formatValidationError((result as any).error)).toBe(
      'aesKey: aes_key must be exactly 43 characters (DingTalk generates it)',
    );
  });

  it('refuses characters outside the base64 alphabet in the aes_key', () => {
    const result = integrationCreateSchema.safeParse({
      ...valid,
      aesKey: `${valid.aesKey.slice(0, 42)}=`,
    });
    expect(formatValidationError((result as any).error)).toContain(
      'may only contain letters, digits, + and /',
    );
  });

  it('names every missing field', () => {
    const result = integrationCreateSchema.safeParse({ edition: 'gold' });
    const message = formatValidationError((result as any).error);
    for (const field of [
      'name',
      'corpId',
      'agentId',
      'clientId',
      'clientSecret',
      'aesKey',
      'token',
    ]) {
      expect(message).toContain(`${field}:`);
    }
    expect(message).toContain(
      'edition must be standard, professional or exclusive',
    );
  });

  it('rejects unknown fields rather than silently dropping them', () => {
    expect(
      integrationCreateSchema.safeParse({ ...valid, secret: 'x' }).success,
    ).toBe(false);
  });

  it('lets an update leave secrets out', () => {
    expect(integrationUpdateSchema.parse({ name: 'New name' })).toEqual({
      name: 'New name',
    });
  });
});

describe('buildIntegrationUrls', () => {
  it('builds the console URLs from the public base URL', () => {
    expect(buildIntegrationUrls('https://bs.example.com/', 'acme')).toEqual({
      eventSubscriptionUrl:
        'https://bs.example.com/api/dingtalk/integrations/acme/events',
      coolAppWebUrl: 'https://bs.example.com/api/dingtalk/h5/acme/coolapp',
      homepageUrl: 'https://bs.example.com/api/dingtalk/h5/acme/home',
      pcHomepageUrl: 'https://bs.example.com/api/dingtalk/h5/acme/pc',
      robotMessageUrl:
        'https://bs.example.com/api/dingtalk/integrations/acme/robot-messages',
    });
  });
});

describe('DINGTALK_EDITIONS', () => {
  it('carries the published limits', () => {
    expect(DINGTALK_EDITIONS.standard).toMatchObject({
      qps: 20,
      monthlyQuota: 10_000,
    });
    expect(DINGTALK_EDITIONS.professional).toMatchObject({
      qps: 40,
      monthlyQuota: 500_000,
    });
    expect(DINGTALK_EDITIONS.exclusive).toMatchObject({
      qps: 60,
      monthlyQuota: 5_500_000,
    });
  });
});
