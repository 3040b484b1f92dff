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

import type {
  AuditorService,
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { DingtalkProfile } from './profile';

/**
 * Records that a DingTalk sign-in matched a Backstage user, so that the
 * person is reachable in DingTalk and may act from cards from then on (no
 * separate link step). The DingTalk backend keeps the links:
 * `POST {discovery('dingtalk')}/links/sign-in` with this plugin's service
 * token (it accepts only `plugin:auth`).
 *
 * @public
 */
export interface DingtalkAccountLinker {
  link(req: {
    profile: DingtalkProfile;
    userEntityRef: string;
    matchedBy: 'email' | 'mobile';
  }): Promise<void>;
}

/** The linker that calls the DingTalk backend; failures are audited and logged, never fatal to sign-in. */
export class DingtalkBackendAccountLinker implements DingtalkAccountLinker {
  constructor(
    private readonly deps: {
      auth: AuthService;
      discovery: DiscoveryService;
      auditor: AuditorService;
      logger: LoggerService;
    },
  ) {}

  async link(req: {
    profile: DingtalkProfile;
    userEntityRef: string;
    matchedBy: 'email' | 'mobile';
  }): Promise<void> {
    const { profile, userEntityRef, matchedBy } = req;
    const meta = {
      user: userEntityRef,
      corpId: profile.corpId,
      dingtalkUserId: profile.userId,
      matchedBy,
      via: profile.verified,
    };
    const event = await this.deps.auditor.createEvent({
      eventId: 'dingtalk-sign-in-link',
      severityLevel: 'medium',
      meta,
    });
    try {
      const { token } = await this.deps.auth.getPluginRequestToken({
        onBehalfOf: await this.deps.auth.getOwnServiceCredentials(),
        targetPluginId: 'dingtalk',
      });
      const base = await this.deps.discovery.getBaseUrl('dingtalk');
      const res = await fetch(`${base}/links/sign-in`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          corpId: profile.corpId,
          dingtalkUserId: profile.userId,
          unionId: profile.unionId,
          name: profile.name,
          userEntityRef,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw await ResponseError.fromResponse(res);
      await event.success({ meta });
    } catch (error) {
      // The person is signed in either way: a missing DingTalk plugin or a
      // conflicting link (their DingTalk account already linked to someone
      // else) must not lock them out of Backstage; it leaves them unlinked,
      // as before this sign-in, and says so in the audit log.
      await event.fail({ meta, error: error as Error });
      this.deps.logger.warn(
        `DingTalk sign-in of ${userEntityRef} could not link the DingTalk account ${
          profile.userId
        }: ${(error as Error).message}`,
      );
    }
  }
}
