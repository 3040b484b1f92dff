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

import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  createSignInResolverFactory,
  type AuthResolverContext,
  type OAuthAuthenticatorResult,
  type SignInInfo,
  type SignInResolver,
  type SignInResolverFactory,
} from '@backstage/plugin-auth-node';
import { z } from 'zod';
import type { DingtalkAccountLinker } from './DingtalkAccountLinker';
import type { DingtalkProfile } from './profile';

/** The catalog annotations the resolvers read. @public */
export const DINGTALK_USER_ID_ANNOTATION = 'dingtalk.com/user-id';
/** @public */
export const DINGTALK_CORP_ID_ANNOTATION = 'dingtalk.com/corp-id';
/** @public */
export const DINGTALK_MOBILE_ANNOTATION = 'dingtalk.com/mobile';

type Result = OAuthAuthenticatorResult<DingtalkProfile>;
type Info = SignInInfo<Result>;

// Parsed here rather than handed to createSignInResolverFactory as its
// optionsSchema: that takes a schema of the zod the auth node library
// resolves, which need not be this package's.
const linkOptions = z.object({ link: z.boolean().optional() }).strict();
function readLinkOptions(options: unknown): { link?: boolean } {
  const parsed = linkOptions.safeParse(options ?? {});
  if (!parsed.success) {
    throw new InputError(
      `Invalid DingTalk sign-in resolver options: ${parsed.error.issues
        .map(i => `${i.path.join('.')} ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

function withLinkOptions(
  create: (options: { link?: boolean }) => SignInResolver<Result>,
): SignInResolverFactory<Result, { link?: boolean } | undefined> {
  const factory = ((options?: unknown) =>
    create(readLinkOptions(options))) as SignInResolverFactory<
    Result,
    { link?: boolean } | undefined
  >;
  factory.optionsJsonSchema = {
    type: 'object',
    properties: { link: { type: 'boolean' } },
    additionalProperties: false,
  };
  return factory;
}

/**
 * The DingTalk sign-in resolvers, by name as `signIn.resolvers` in config
 * takes them.
 *
 * - `userIdMatchingUserEntityAnnotation`: the catalog user whose
 *   `dingtalk.com/user-id` annotation is the member's userId (and whose
 *   `dingtalk.com/corp-id`, when set, is the organisation). What DingTalk's
 *   org provider writes; such a user is linked by the annotation already.
 * - `emailMatchingUserEntityProfileEmail`: `spec.profile.email` equal to the
 *   email the organisation's address book has for the member; links the
 *   account on sign-in (option `link: false` to not).
 * - `mobileMatchingUserEntityAnnotation`: the `dingtalk.com/mobile`
 *   annotation equal to the member's mobile in the address book (as written
 *   there, or digits only, or with `+86`); links on sign-in likewise.
 *
 * @public
 */
export function createDingtalkSignInResolverFactories(deps: {
  linker?: DingtalkAccountLinker;
}): Record<
  | 'userIdMatchingUserEntityAnnotation'
  | 'emailMatchingUserEntityProfileEmail'
  | 'mobileMatchingUserEntityAnnotation',
  SignInResolverFactory<OAuthAuthenticatorResult<DingtalkProfile>, any>
> {
  return {
    userIdMatchingUserEntityAnnotation: createSignInResolverFactory({
      create() {
        return async (info: Info, ctx) => {
          const { userId, corpId } = info.result.fullProfile;
          const { entity } = await ctx.findCatalogUser({
            annotations: { [DINGTALK_USER_ID_ANNOTATION]: userId },
          });
          const entityCorp =
            entity.metadata.annotations?.[DINGTALK_CORP_ID_ANNOTATION];
          if (entityCorp && entityCorp !== corpId) {
            throw new NotAllowedError(
              'The catalog user with this DingTalk user ID belongs to another organisation',
            );
          }
          return issue(ctx, entity);
        };
      },
    }),
    emailMatchingUserEntityProfileEmail: withLinkOptions(
      options => async (info: Info, ctx) => {
        const profile = info.result.fullProfile;
        // NotFoundError: the next configured resolver is tried.
        if (!profile.email) {
          throw new NotFoundError(
            "The organisation's address book has no email for this DingTalk user",
          );
        }
        const { entity } = await ctx.findCatalogUser({
          filter: { kind: 'User', 'spec.profile.email': profile.email },
        });
        return linkAndIssue(ctx, entity, profile, 'email', options, deps);
      },
    ),
    mobileMatchingUserEntityAnnotation: withLinkOptions(
      options => async (info: Info, ctx) => {
        const profile = info.result.fullProfile;
        if (!profile.mobile) {
          throw new NotFoundError(
            "The organisation's address book has no mobile number for this DingTalk user (or the app may not read it)",
          );
        }
        const { entity } = await ctx.findCatalogUser({
          filter: {
            kind: 'User',
            [`metadata.annotations.${DINGTALK_MOBILE_ANNOTATION}`]:
              mobileSpellings(profile.mobile),
          },
        });
        return linkAndIssue(ctx, entity, profile, 'mobile', options, deps);
      },
    ),
  };
}

/** The ways a catalog may write the number the address book has. */
export function mobileSpellings(mobile: string): string[] {
  const digits = mobile.replace(/\D/g, '');
  const spellings = new Set([mobile, digits]);
  // Mainland China numbers: DingTalk writes 11 digits without the country code.
  if (/^1\d{10}$/.test(digits)) {
    spellings.add(`+86${digits}`);
    spellings.add(`+86 ${digits}`);
    spellings.add(`+86-${digits}`);
  }
  return [...spellings].filter(Boolean);
}

async function issue(ctx: AuthResolverContext, entity: Entity) {
  const { ownershipEntityRefs } = await ctx.resolveOwnershipEntityRefs(entity);
  return ctx.issueToken({
    claims: { sub: stringifyEntityRef(entity), ent: ownershipEntityRefs },
  });
}

async function linkAndIssue(
  ctx: AuthResolverContext,
  entity: Entity,
  profile: DingtalkProfile,
  matchedBy: 'email' | 'mobile',
  options: { link?: boolean },
  deps: { linker?: DingtalkAccountLinker },
) {
  const result = await issue(ctx, entity);
  const annotated =
    entity.metadata.annotations?.[DINGTALK_USER_ID_ANNOTATION] ===
    profile.userId;
  // Only the sign-ins proper link (not every refresh), and a user the
  // catalog already names by DingTalk user ID needs no stored link.
  if (
    options.link !== false &&
    deps.linker &&
    !annotated &&
    (profile.verified === 'oauth' || profile.verified === 'jsapi')
  ) {
    await deps.linker.link({
      profile,
      userEntityRef: stringifyEntityRef(entity),
      matchedBy,
    });
  }
  return result;
}
