/** Key values of the customer table's items (layout documented in table-design.ts). */
import { createHash } from 'node:crypto';
import type { Channel, ConsentStatus } from '../customer/model';
import { CUSTOMER_PARTITION_PREFIX, DEFERRED_LAPSE_PREFIX, LAPSE_AT, LAPSE_INDEX_SHARDS, LAST_EVENT_ATTRIBUTE_PREFIX, LAPSE_KEY, SORT_KEY_PREFIXES } from './table-design';

const STATE = SORT_KEY_PREFIXES.state;

/** The UTC form of an instant with milliseconds; its string order is time order. */
export function instantKey(at: string): string {
  return new Date(at).toISOString();
}

/** Epoch seconds `days` after `at`, for the TTL attribute. */
export function expiryAfter(at: string, days: number): number {
  return Math.floor(Date.parse(at) / 1000) + days * 86_400;
}

/** A short, stable digest for parts of a sort key that may be long or contain any character. */
export function digest(...parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

export const itemKeys = {
  partition: (customerId: string) => `${CUSTOMER_PARTITION_PREFIX}${customerId}`,

  profile: () => `${STATE}PROFILE`,
  preferences: () => `${STATE}PREFERENCES`,
  frequency: () => `${STATE}FREQUENCY`,
  consentStatePrefix: () => `${STATE}CONSENT#`,
  consentState: (channel: Channel, topic: string) => `${STATE}CONSENT#${channel}#${topic}`,
  suppressionPrefix: () => `${STATE}SUPPRESSION#`,
  suppression: (channel: Channel) => `${STATE}SUPPRESSION#${channel}`,
  attributeStatePrefix: () => `${STATE}ATTRIBUTE#`,
  attributeState: (name: string) => `${STATE}ATTRIBUTE#${encodeURIComponent(name)}`,

  consentLedger: (event: { at: string; channel: Channel; topic: string; status: ConsentStatus; source: string }) =>
    `${SORT_KEY_PREFIXES.consentLedger}${instantKey(event.at)}#${event.channel}#${event.topic}#${event.status}#${digest(event.source)}`,
  attributeHistoryPrefix: (name: string) => `${SORT_KEY_PREFIXES.attributeHistory}${encodeURIComponent(name)}#`,
  attributeHistory: (name: string, at: string, valueDigest: string) =>
    `${SORT_KEY_PREFIXES.attributeHistory}${encodeURIComponent(name)}#${instantKey(at)}#${valueDigest}`,
  sendEntry: (idempotencyKey: string) => `${SORT_KEY_PREFIXES.sendLedger}${encodeURIComponent(idempotencyKey)}`,
  decision: (decision: { at: string; execution: string; step: string; outcome: string }) =>
    `${SORT_KEY_PREFIXES.decision}${instantKey(decision.at)}#${digest(decision.execution, decision.step, decision.outcome)}`,
} as const;

/** The lapse-index shard of a customer: stable, and spread evenly over the shards. */
export function lapseShard(customerId: string): number {
  return Number.parseInt(digest(customerId).slice(0, 8), 16) % LAPSE_INDEX_SHARDS;
}

/** The lapse-index partition key of one attribute and shard. */
export function lapseKeyOf(attribute: string, shard: number): string {
  return `${attribute}#${shard}`;
}

/** The lapse-index attribute whose keys list `journey`'s deferred lapses (`deferredLapse.<journey>`, lib/ingest/deferred-lapses.ts). */
export function deferredLapseAttribute(journey: string): string {
  return `${DEFERRED_LAPSE_PREFIX}${journey}`;
}

/**
 * The lapse-index keys an attribute's state item carries (`lapseKey`, `lapseAt`), or none for
 * attributes the index does not list.
 */
export function lapseIndexKeys(customerId: string, attribute: string, changedAt: string): Record<string, string> {
  if (!attribute.startsWith(LAST_EVENT_ATTRIBUTE_PREFIX)) return {};
  return { [LAPSE_KEY]: lapseKeyOf(attribute, lapseShard(customerId)), [LAPSE_AT]: instantKey(changedAt) };
}
