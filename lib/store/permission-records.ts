/**
 * The records a Send step's permission rests on, read as one snapshot (see
 * DeliveryStore.getDecisionSnapshot): the frequency item, the preferences, and each channel's
 * suppression and consent for the topic, with one TransactGetItems.
 */
import { TransactGetItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Channel } from '../customer/model';
import { itemKeys } from './item-keys';
import { PARTITION_KEY, SORT_KEY } from './table-design';
import { retryingConflicts, type Pause } from './transact-write';
import type { Item } from './delivery-store';

/** The sort keys of the records that decide whether `message.channels` may carry `message.topic`. */
export function permissionSortKeys(message: { readonly channels: readonly Channel[]; readonly topic: string }): string[] {
  const channels = [...new Set(message.channels)];
  return [itemKeys.frequency(), itemKeys.preferences(), ...channels.flatMap((channel) => [itemKeys.suppression(channel), itemKeys.consentState(channel, message.topic)])];
}

/** The items at `sortKeys` of the customer's partition that exist, read together with one TransactGetItems. */
export function readTogether(client: DynamoDBClient, tableName: string, customerId: string, sortKeys: readonly string[], pause: Pause): Promise<Item[]> {
  const request = new TransactGetItemsCommand({
    TransactItems: sortKeys.map((sortKey) => ({
      Get: { TableName: tableName, Key: { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: sortKey } } },
    })),
  });
  return retryingConflicts(`read permission records of customer ${customerId}`, pause, async () =>
    ((await client.send(request)).Responses ?? []).flatMap((response) => (response.Item === undefined ? [] : [response.Item])),
  );
}
