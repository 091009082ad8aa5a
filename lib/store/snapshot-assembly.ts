/** Builds a CustomerSnapshot from the `STATE#` items of one partition, validating each item. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  AttributeStateSchema,
  ConsentStateSchema,
  FrequencySchema,
  PreferencesSchema,
  ProfileSchema,
  SuppressionSchema,
  type AttributeState,
  type ConsentState,
  type CustomerSnapshot,
  type Frequency,
  type Preferences,
  type Profile,
  type Suppression,
} from '../customer/model';
import { InvalidRecordError } from './errors';
import { itemKeys } from './item-keys';
import { AttributeNameSchema } from './records';
import { parseRecord } from './record-validation';
import { withoutBlankAddress } from './stored-address';
import { SORT_KEY } from './table-design';

/** The frequency of a customer who never received a marketing message (a fresh object each time). */
export function emptyFrequency(): Frequency {
  return { sends: [], version: 0 };
}

/**
 * A customer's `STATE#` records whether or not a profile exists: ingest keeps the consents (with
 * their proofs), preferences and suppressions of a customer it knows no profile of yet (a CRM's
 * consent sync before the sign-up), and the consent export shows them.
 */
export type CustomerRecords = Omit<CustomerSnapshot, 'profile'> & { readonly profile?: Profile };

/**
 * The snapshot held by `items`, or undefined when they hold no profile. A malformed item throws
 * InvalidRecordError naming the item and the field. Unknown `STATE#` items are ignored, so a newer
 * writer can add state without breaking older readers.
 */
export function assembleSnapshot(
  customerId: string,
  items: ReadonlyArray<Record<string, AttributeValue>>,
): CustomerSnapshot | undefined {
  return snapshotOfRecords(assembleRecords(customerId, items));
}

/** The snapshot `records` make, or undefined when they hold no profile. */
export function snapshotOfRecords(records: CustomerRecords): CustomerSnapshot | undefined {
  return records.profile === undefined ? undefined : { ...records, profile: records.profile };
}

/** The records held by `items`, with or without a profile; validated as {@link assembleSnapshot} does. */
export function assembleRecords(customerId: string, items: ReadonlyArray<Record<string, AttributeValue>>): CustomerRecords {
  let profile: Profile | undefined;
  let preferences: Preferences = {};
  let frequency: Frequency = emptyFrequency();
  const consents: ConsentState[] = [];
  const suppressions: Suppression[] = [];
  const attributes: Record<string, AttributeState> = {};

  for (const item of items) {
    const data: Record<string, unknown> = unmarshall(item);
    const sortKey = String(data[SORT_KEY]);
    const context = `stored item ${sortKey} of customer ${customerId}`;
    if (sortKey === itemKeys.profile()) {
      profile = parseRecord(ProfileSchema, withoutBlankAddress(data), 'profile', context);
    } else if (sortKey === itemKeys.preferences()) {
      preferences = parseRecord(PreferencesSchema, data, 'preferences', context);
    } else if (sortKey === itemKeys.frequency()) {
      frequency = parseRecord(FrequencySchema, data, 'frequency', context);
    } else if (sortKey.startsWith(itemKeys.consentStatePrefix())) {
      consents.push(parseRecord(ConsentStateSchema, data, 'consent', context));
    } else if (sortKey.startsWith(itemKeys.suppressionPrefix())) {
      suppressions.push(parseRecord(SuppressionSchema, data, 'suppression', context));
    } else if (sortKey.startsWith(itemKeys.attributeStatePrefix())) {
      const name = parseRecord(AttributeNameSchema, data.name, 'attribute.name', context);
      attributes[name] = parseRecord(AttributeStateSchema, data, `attributes.${name}`, context);
    }
  }
  if (profile !== undefined && profile.customerId !== customerId) {
    throw new InvalidRecordError([{ path: 'profile.customerId', message: `does not match the partition's customer` }], {
      context: `stored item ${itemKeys.profile()} of customer ${customerId}`,
    });
  }
  return { ...(profile === undefined ? {} : { profile }), consents, preferences, suppressions, attributes, frequency };
}
