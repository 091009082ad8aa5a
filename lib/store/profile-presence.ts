/**
 * Which of a set of customers have a profile. The audience launcher asks before it claims an entry
 * or starts a journey: an execution for an id without a profile would fail, and its entry claim
 * would keep the customer out of a journey that never re-enters.
 *
 * One strongly consistent BatchGetItem per 100 customers, reading back only the key: a launch batch
 * costs one request for this, not one per customer. A function over the client, as in
 * phone-index.ts, so that the launch worker does not bundle the whole store.
 * IAM: `dynamodb:BatchGetItem`.
 */
import { BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { StoreContentionError } from './errors';
import { itemKeys } from './item-keys';
import { CUSTOMER_PARTITION_PREFIX, PARTITION_KEY, SORT_KEY } from './table-design';
import { timerPause, type Pause } from './transact-write';

/** Keys one BatchGetItem may ask for. */
const BATCH_GET_LIMIT = 100;
/** Rounds of unprocessed keys (throttling) before giving up. */
const UNPROCESSED_ATTEMPTS = 8;

/** The ids among `customerIds` that have a profile (duplicates asked once). */
export async function customersWithProfile(
  client: DynamoDBClient,
  tableName: string,
  customerIds: readonly string[],
  pause: Pause = timerPause,
): Promise<Set<string>> {
  const ids = [...new Set(customerIds)];
  const found = new Set<string>();
  for (let first = 0; first < ids.length; first += BATCH_GET_LIMIT) {
    let request: KeysAndAttributes | undefined = {
      Keys: ids.slice(first, first + BATCH_GET_LIMIT).map((id) => ({ [PARTITION_KEY]: { S: itemKeys.partition(id) }, [SORT_KEY]: { S: itemKeys.profile() } })),
      ConsistentRead: true,
      ProjectionExpression: '#pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    };
    for (let attempt = 1; request !== undefined; attempt += 1) {
      if (attempt > UNPROCESSED_ATTEMPTS) throw new StoreContentionError(`read profiles of ${ids.length} customers: keys kept coming back unprocessed`);
      if (attempt > 1) await pause(Math.min(1000, 50 * 2 ** attempt));
      const answer: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: request } }));
      for (const item of answer.Responses?.[tableName] ?? []) {
        const partition = item[PARTITION_KEY]?.S;
        if (partition?.startsWith(CUSTOMER_PARTITION_PREFIX)) found.add(partition.slice(CUSTOMER_PARTITION_PREFIX.length));
      }
      request = answer.UnprocessedKeys?.[tableName];
      if (request?.Keys?.length === 0) request = undefined;
    }
  }
  return found;
}
