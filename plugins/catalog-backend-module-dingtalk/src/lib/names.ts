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
  KubernetesValidatorFunctions,
  type Entity,
} from '@backstage/catalog-model';
import { createHash } from 'node:crypto';

/**
 * An entity name from DingTalk's text: what the catalog allows
 * (`[a-zA-Z0-9]` separated by `-_.`, at most 63), lower-cased.
 * @public
 */
export function normalizeEntityName(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/[-_.]{2,}/g, '-')
    .replace(/^[-_.]+|[-_.]+$/g, '')
    .slice(0, 63)
    .replace(/[-_.]+$/, '');
}

/** 8 hex characters of the key's SHA-256: short, stable, always a valid name part. */
export function shortHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * `name` made unique by the key: `<name truncated>-<8 hex of sha256(key)>`,
 * a valid entity name whatever the key is (a 64-character userid, `li@`,
 * Chinese text).
 */
export function suffixedName(name: string, key: string, fallback = 'x') {
  const base = normalizeEntityName(name).slice(0, 63 - 9) || fallback;
  return normalizeEntityName(`${base}-${shortHash(key)}`);
}

/** Whether the catalog accepts the entity's name and namespace. */
export function hasValidName(entity: Entity): boolean {
  return (
    KubernetesValidatorFunctions.isValidObjectName(entity.metadata.name) &&
    KubernetesValidatorFunctions.isValidNamespace(
      entity.metadata.namespace ?? 'default',
    )
  );
}

/**
 * Entity names for one full sync. A record the catalog already has (by its
 * DingTalk key) keeps its name, so a newcomer never renames anyone; a
 * newcomer takes its default name when nobody has it, and otherwise (taken
 * by a current entity, or wanted by another newcomer too) the name with a
 * short hash of its key, deterministically whatever order DingTalk answers
 * in. Delta updates name the same way (ContactDelta).
 */
export function assignNames<T>(
  items: T[],
  nameOf: (item: T) => string,
  keyOf: (item: T) => string,
  existing: Map<string, string>,
  fallback: string,
): Map<string, string> {
  const out = new Map<string, string>();
  const keys = new Set(items.map(keyOf));
  const taken = new Set<string>();
  for (const [key, name] of existing) {
    if (!keys.has(key)) continue;
    out.set(key, name);
    taken.add(name);
  }
  const wanted = new Map<string, T[]>();
  for (const item of items) {
    if (out.has(keyOf(item))) continue;
    const name = nameOf(item);
    wanted.set(name, [...(wanted.get(name) ?? []), item]);
  }
  for (const [name, group] of wanted) {
    for (const item of group) {
      const key = keyOf(item);
      out.set(
        key,
        group.length === 1 && !taken.has(name)
          ? name
          : suffixedName(name, key, fallback),
      );
    }
  }
  return out;
}
