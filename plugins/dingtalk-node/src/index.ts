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

/**
 * DingTalk for Backstage backends: callback crypto, the API client with its
 * shared token cache, QPS limiter and quota counter, and the notifier service
 * other plugins use.
 *
 * @packageDocumentation
 */

export * from './crypto/DingtalkCallbackCrypto';
export * from './client/errors';
export * from './client/backoff';
export * from './client/DingtalkApiClient';
export * from './client/DingtalkContactsApi';
export * from './client/DingtalkRateLimiter';
export * from './client/DingtalkQuotaCounter';
export * from './client/DingtalkTokenProvider';
export * from './client/migrations';
export * from './notifier/DingtalkNotifierService';
export * from './markdown/cardText';
