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

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: guest sign-in for development; see app-config.production.yaml for real providers
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// Sign in with DingTalk (the emulator's login page in development; login-free
// inside the DingTalk client)
backend.add(
  import(
    '@dingtalk-oncall/backstage-plugin-auth-backend-module-dingtalk-provider'
  ),
);

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
// DingTalk's organisation (departments and people) in the catalog:
// catalog.providers.dingtalk in app-config.yaml
backend.add(
  import('@dingtalk-oncall/backstage-plugin-catalog-backend-module-dingtalk'),
);

backend.add(import('@backstage/plugin-scaffolder-backend'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
// The events backend's event bus (database-backed on PostgreSQL) carries
// signals between replicas: a card click handled by one replica updates the
// pages whose websocket is on another.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// DingTalk and the on-call host. Each line can be removed on its own: the
// on-call plugin works without DingTalk, and DingTalk works without on-call.
backend.add(import('@dingtalk-oncall/backstage-plugin-dingtalk-backend'));
backend.add(import('@dingtalk-oncall/backstage-plugin-oncall-backend'));
backend.add(
  import('@dingtalk-oncall/backstage-plugin-oncall-backend-module-dingtalk'),
);
backend.add(
  import(
    '@dingtalk-oncall/backstage-plugin-scaffolder-backend-module-dingtalk'
  ),
);
backend.add(
  import(
    '@dingtalk-oncall/backstage-plugin-notifications-backend-module-dingtalk'
  ),
);

backend.start();
