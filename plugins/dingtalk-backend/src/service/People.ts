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

import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { InputError, NotAllowedError } from '@backstage/errors';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  DINGTALK_ANNOTATIONS,
  type DingtalkMessage,
} from '@dingtalk-oncall/backstage-plugin-dingtalk-common';
import { DingtalkApiError } from '@dingtalk-oncall/backstage-plugin-dingtalk-node';
import type { StoredIntegration } from '../database/IntegrationsStore';
import type { CardsStore } from '../database/CardsStore';
import type { LinksStore } from '../database/LinksStore';
import type { IntegrationRegistry } from './IntegrationRegistry';
import { cardParams, callbackRouteKey } from './Messenger';
import { syncLinkOf } from './AccountLinks';

/** The catalog annotation with a user's mobile number, for "link everyone by mobile". */
export const MOBILE_ANNOTATION = DINGTALK_ANNOTATIONS.mobile;

export interface ResolvedUser {
  userEntityRef?: string;
  mobile?: string;
  dingtalkUserId?: string;
  reason?: string;
}

/**
 * People: who is who in DingTalk (account links, mobile numbers), linking
 * everyone at once by mobile, and war rooms (scene groups) with them in it.
 */
export class People {
  constructor(
    private readonly deps: {
      registry: IntegrationRegistry;
      links: LinksStore;
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      cards: CardsStore;
      cardTemplateId: string;
    },
  ) {}

  async resolve(
    i: StoredIntegration,
    req: { userEntityRefs?: string[]; mobiles?: string[] },
  ): Promise<ResolvedUser[]> {
    const out: ResolvedUser[] = [];
    const refs = req.userEntityRefs ?? [];
    const links = await this.deps.links.byUsers(i.id, refs);
    for (const ref of refs) {
      const link = links.get(ref);
      out.push(
        link
          ? { userEntityRef: ref, dingtalkUserId: link.dingtalkUserId }
          : { userEntityRef: ref, reason: 'app not linked' },
      );
    }
    const client = this.deps.registry.client(i);
    for (const mobile of req.mobiles ?? []) {
      try {
        const user = await client.getUserByMobile(mobile);
        out.push(
          user
            ? { mobile, dingtalkUserId: user.userId }
            : { mobile, reason: 'no DingTalk user with this mobile number' },
        );
      } catch (e) {
        throw explainPermission(e);
      }
    }
    return out;
  }

  /**
   * Who to put in a war room. Scene groups are joined by DingTalk user id,
   * and responders are invited by mobile number (as Flashduty does): a
   * Backstage user without an account link is still invited when the catalog
   * has their mobile number. Messages are different on purpose: they go to
   * linked accounts only, and an unlinked person's record says so.
   */
  private async resolveForInvite(
    i: StoredIntegration,
    req: { userEntityRefs?: string[]; mobiles?: string[] },
  ) {
    const resolved = await this.resolve(i, req);
    const unlinked = resolved.filter(r => r.userEntityRef && !r.dingtalkUserId);
    if (unlinked.length === 0) return resolved;
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const { items } = await this.deps.catalog.getEntitiesByRefs(
      {
        entityRefs: unlinked.map(r => r.userEntityRef!),
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      { credentials },
    );
    const client = this.deps.registry.client(i);
    for (const [index, person] of unlinked.entries()) {
      const mobile = items[index]?.metadata.annotations?.[MOBILE_ANNOTATION];
      if (!mobile) {
        person.reason = `app not linked, and the catalog has no ${MOBILE_ANNOTATION} for this user`;
        continue;
      }
      const user = await client.getUserByMobile(mobile).catch(e => {
        throw explainPermission(e);
      });
      if (user) {
        person.dingtalkUserId = user.userId;
        delete person.reason;
      } else {
        person.reason =
          'app not linked, and no DingTalk user has the mobile number in the catalog';
      }
    }
    return resolved;
  }

  /** Flashduty's one-click link: catalog users with a mobile annotation. */
  async linkAllByMobile(i: StoredIntegration) {
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const { items } = await this.deps.catalog.getEntities(
      { filter: { kind: 'User' } },
      { credentials },
    );
    const existing = new Set(
      (await this.deps.links.list({ integrationId: i.id })).map(
        l => l.userEntityRef,
      ),
    );
    const result = {
      linked: [] as string[],
      notFound: [] as string[],
      skipped: [] as string[],
    };
    const client = this.deps.registry.client(i);
    for (const entity of items as Entity[]) {
      const ref = stringifyEntityRef(entity);
      const mobile = entity.metadata.annotations?.[MOBILE_ANNOTATION];
      // A person synced from this organisation is linked by the catalog
      // already (AccountLinks); one synced from another is not.
      const synced = !!syncLinkOf(entity, i);
      if (existing.has(ref) || !mobile || synced) {
        result.skipped.push(ref);
        continue;
      }
      const user = await client.getUserByMobile(mobile).catch(e => {
        throw explainPermission(e);
      });
      if (!user) {
        result.notFound.push(ref);
        continue;
      }
      try {
        await this.deps.links.link({
          integrationId: i.id,
          userEntityRef: ref,
          dingtalkUserId: user.userId,
          linkedAt: new Date().toISOString(),
          source: 'mobile',
        });
      } catch (e) {
        // That DingTalk account is linked to someone else: moving it takes
        // an explicit unlink, never a bulk run.
        if ((e as Error).name !== 'ConflictError') throw e;
        result.skipped.push(ref);
        continue;
      }
      result.linked.push(ref);
    }
    return result;
  }

  async createWarRoom(
    i: StoredIntegration,
    req: {
      title: string;
      ownerUserEntityRef?: string;
      ownerMobile?: string;
      members: { userEntityRefs?: string[]; mobiles?: string[] };
      uuid: string;
      /** What the war room is for (e.g. an incident id), kept with its card. */
      reference?: string;
      message?: DingtalkMessage;
    },
  ) {
    const { templateId, botId } = i.warRoom;
    if (!templateId || !botId) {
      throw new InputError(
        `War rooms are not configured for integration '${i.id}': set the group Template ID and the group Bot ID ` +
          '(DingTalk Open Platform → Open Capability → Scene Group: create a group bot, then a group template with it)',
      );
    }
    if (!req.ownerUserEntityRef && !req.ownerMobile)
      throw new InputError('An owner (user entity ref or mobile) is required');
    const [owner] = await this.resolveForInvite(i, {
      userEntityRefs: req.ownerUserEntityRef ? [req.ownerUserEntityRef] : [],
      mobiles: req.ownerUserEntityRef ? [] : [req.ownerMobile!],
    });
    if (!owner.dingtalkUserId) {
      throw new InputError(
        `The owner ${
          owner.userEntityRef ?? owner.mobile
        } has no DingTalk account: ${owner.reason}`,
      );
    }
    const members = await this.resolveForInvite(i, req.members);
    const invited = members.filter(m => m.dingtalkUserId);
    const notFound = members.filter(m => !m.dingtalkUserId);
    const client = this.deps.registry.client(i);
    const group = await client
      .createSceneGroup({
        title: req.title.slice(0, 100),
        templateId,
        ownerUserId: owner.dingtalkUserId,
        userIds: [...new Set(invited.map(m => m.dingtalkUserId!))].filter(
          u => u !== owner.dingtalkUserId,
        ),
        uuid: req.uuid,
      })
      .catch(e => {
        throw explainPermission(e);
      });
    const cardOutTrackId = req.message
      ? await this.postToWarRoom(i, group.openConversationId, {
          message: req.message,
          reference: req.reference,
        })
      : undefined;
    const info = await client
      .getSceneGroup(group.openConversationId)
      .catch(() => ({} as Record<string, unknown>));
    return {
      integrationId: i.id,
      openConversationId: group.openConversationId,
      chatId: group.chatId,
      invited: [owner, ...invited],
      notFound,
      cardOutTrackId,
      url: String(
        info.group_url ??
          `dingtalk://dingtalkclient/page/link?openConversationId=${encodeURIComponent(
            group.openConversationId,
          )}`,
      ),
    };
  }

  /**
   * The template's group bot posts into a war room. A card is saved like any
   * card, so that its buttons reach the plugin that sent it (Acknowledge in
   * the war room acts on the incident). Returns the card's outTrackId.
   */
  async postToWarRoom(
    i: StoredIntegration,
    openConversationId: string,
    req: { message: DingtalkMessage; reference?: string },
  ): Promise<string | undefined> {
    const { botId } = i.warRoom;
    if (!botId) {
      throw new InputError(
        `War rooms are not configured for integration '${i.id}': set the group Bot ID (the group template's bot)`,
      );
    }
    const client = this.deps.registry.client(i);
    const { message } = req;
    if (message.type !== 'card') {
      await client
        .sendGroupMessage({
          openConversationId,
          robotCode: botId,
          msgKey: message.type === 'text' ? 'sampleText' : 'sampleMarkdown',
          msgParam:
            message.type === 'text'
              ? { content: message.content }
              : { title: message.title, text: message.text },
        })
        .catch(e => {
          throw explainPermission(e);
        });
      return undefined;
    }
    // The caller's outTrackId as it is: the card is the caller's, and its
    // clicks come back to the caller under that id.
    await this.deps.cards.save(
      {
        outTrackId: message.outTrackId,
        integrationId: i.id,
        reference: req.reference,
        callback: message.callback,
      },
      new Date().toISOString(),
    );
    await client
      .createAndDeliverCard({
        outTrackId: message.outTrackId,
        cardTemplateId: this.deps.cardTemplateId,
        cardParamMap: cardParams(message),
        groups: [openConversationId],
        robotCode: botId,
        // as in Messenger: without a route key DingTalk answers over Stream mode
        callbackRouteKey:
          i.transport === 'http' ? callbackRouteKey(i.id) : undefined,
      })
      .catch(e => {
        throw explainPermission(e);
      });
    return message.outTrackId;
  }

  async invite(
    i: StoredIntegration,
    openConversationId: string,
    req: { userEntityRefs?: string[]; mobiles?: string[] },
  ) {
    const members = await this.resolveForInvite(i, req);
    const invited = members.filter(m => m.dingtalkUserId);
    if (invited.length) {
      await this.deps.registry
        .client(i)
        .addSceneGroupMembers({
          openConversationId,
          userIds: invited.map(m => m.dingtalkUserId!),
        })
        .catch(e => {
          throw explainPermission(e);
        });
    }
    return { invited, notFound: members.filter(m => !m.dingtalkUserId) };
  }
}

/** Turns DingTalk's "no permission" answers into a message naming what to apply for. */
export function explainPermission(e: unknown): unknown {
  if (e instanceof DingtalkApiError && e.kind === 'permission') {
    const named = /\[(qyapi_[a-z_]+)\]/.exec(e.message)?.[1];
    return new NotAllowedError(
      `The DingTalk app lacks a permission${
        named ? ` (${named})` : ''
      }: apply for it under Development Configuration → Permissions ` +
        `(war rooms need qyapi_chat_manage and qyapi_get_member_by_mobile). DingTalk said: ${e.message}`,
    );
  }
  return e;
}
