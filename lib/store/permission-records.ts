/**
 * The records a Send step's permission rests on, read as one snapshot (see
 * DeliveryStore.getDecisionSnapshot): TransactGetItems of the frequency item, the preferences, and
 * each channel's suppression and consent for the topic, and those records put in place of the
 * Query's.
 */
import { TransactGetItemsCommand, TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ConsentStateSchema,
  FrequencySchema,
  PreferencesSchema,
  SuppressionSchema,
  type Channel,
  type ConsentState,
  type CustomerSnapshot,
  type Frequency,
  type Preferences,
  type Suppression,
} from '../customer/model';
import { StoreContentionError } from './errors';
import { itemKeys } from './item-keys';
import { parseRecord } from './record-validation';
import { emptyFrequency } from './snapshot-assembly';
import { PARTITION_KEY, SORT_KEY } from './table-design';
import type { Pause } from './transact-write';

/** The permission records of one customer for one message, as one snapshot. */
export interface PermissionRecords {
  readonly frequency: Frequency;
  readonly preferences: Preferences;
  readonly suppressions: readonly Suppression[];
  readonly consents: readonly ConsentState[];
}

/** Attempts when DynamoDB cancels the read for a transaction writing the same items. */
const CONFLICT_ATTEMPTS = 5;

/** Reads the permission records of `customerId` for `message` with one TransactGetItems. */
export async function readPermissionRecords(
  client: DynamoDBClient,
  tableName: string,
  customerId: string,
  message: { readonly channels: readonly Channel[]; readonly topic: string },
  pause: Pause,
): Promise<PermissionRecords> {
  const channels = [...new Set(message.channels)];
  const sortKeys = [itemKeys.frequency(), itemKeys.preferences(), ...channels.flatMap((channel) => [itemKeys.suppression(channel), itemKeys.consentState(channel, message.topic)])];
  const items = await transactGet(client, tableName, customerId, sortKeys, pause);
  const context = (sortKey: string) => `stored item ${sortKey} of customer ${customerId}`;
  const [frequency, preferences, ...perChannel] = items;
  const suppressions: Suppression[] = [];
  const consents: ConsentState[] = [];
  perChannel.forEach((item, index) => {
    if (item === undefined) return;
    const sortKey = sortKeys[index + 2] ?? '';
    if (index % 2 === 0) suppressions.push(parseRecord(SuppressionSchema, item, 'suppression', context(sortKey)));
    else consents.push(parseRecord(ConsentStateSchema, item, 'consent', context(sortKey)));
  });
  return {
    frequency: frequency === undefined ? emptyFrequency() : parseRecord(FrequencySchema, frequency, 'frequency', context(itemKeys.frequency())),
    preferences: preferences === undefined ? {} : parseRecord(PreferencesSchema, preferences, 'preferences', context(itemKeys.preferences())),
    suppressions,
    consents,
  };
}

/** `snapshot` with `records` in place of the same records as its Query read them. */
export function withPermissionRecords(
  snapshot: CustomerSnapshot,
  records: PermissionRecords,
  message: { readonly channels: readonly Channel[]; readonly topic: string },
): CustomerSnapshot {
  const read = new Set(message.channels);
  return {
    ...snapshot,
    frequency: records.frequency,
    preferences: records.preferences,
    suppressions: [...snapshot.suppressions.filter((suppression) => !read.has(suppression.channel)), ...records.suppressions],
    consents: [...snapshot.consents.filter((consent) => !(read.has(consent.channel) && consent.topic === message.topic)), ...records.consents],
  };
}

/** The items at `sortKeys` of the customer's partition, unmarshalled, in order; undefined where none is. */
async function transactGet(
  client: DynamoDBClient,
  tableName: string,
  customerId: string,
  sortKeys: readonly string[],
  pause: Pause,
): Promise<Array<Record<string, unknown> | undefined>> {
  const request = new TransactGetItemsCommand({
    TransactItems: sortKeys.map((sortKey) => ({
      Get: { TableName: tableName, Key: { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: sortKey } } },
    })),
  });
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { Responses } = await client.send(request);
      return sortKeys.map((_, index) => {
        const item = Responses?.[index]?.Item;
        return item === undefined ? undefined : unmarshall(item);
      });
    } catch (error) {
      // Cancelled only because a transaction was writing these items: read again once it is done.
      const conflicted = error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
      if (!conflicted) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) throw new StoreContentionError(`read permission records of customer ${customerId}: kept conflicting with writes after ${attempt} attempts`, { cause: error });
      await pause(Math.random() * 20 * attempt);
    }
  }
}
