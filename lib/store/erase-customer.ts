/**
 * Erasure of one customer (a data-subject request): every item of the customer's partition
 * (profile, preferences, consents with the ledger and its proofs, suppressions, attributes with
 * their history, the send ledger, decisions, entries, waits, journey records) and every phone-index
 * item naming the customer, which lives outside the partition (`PHONE#<E.164>`, phone-index.ts).
 *
 * What stays is a tombstone, `STATE#ERASED` in the emptied partition: the customer id, when, and a
 * TTL of {@link ERASURE_TOMBSTONE_DAYS} days, nothing else. EventBridge retries an event for up to
 * 24 hours and an operator may replay the bus's 30-day archive, so an event sent before the erasure
 * can reach ingest after it; ingest finds the tombstone and refuses the event (dead letter, reason
 * `erased_customer`) instead of writing the customer's consents and attributes back.
 *
 * The order makes a run cut short safe to run again (the operation is idempotent): the tombstone
 * first, so that ingest refuses from then on; then the partition is read whole, its numbers
 * gathered and their index items deleted; then the partition's items. An event ingest had already
 * read before the tombstone may still write after the deletes: running the erasure again once
 * such an event is through (a minute later) removes what it wrote.
 *
 * A function over the client and table name, as phone-index.ts, so that no Lambda bundles it
 * unless it erases. Messages and errors carry the customer id only.
 * IAM: `dynamodb:PutItem`, `dynamodb:Query`, `dynamodb:BatchWriteItem`, `dynamodb:DeleteItem`, `dynamodb:GetItem`.
 */
import {
  BatchWriteItemCommand,
  PutItemCommand,
  paginateQuery,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { CustomerIdSchema, PhoneSchema } from '../customer/model';
import { guarded, StoreContentionError } from './errors';
import { expiryAfter, itemKeys } from './item-keys';
import { unindexErasedCustomer } from './phone-index';
import { parseRecord } from './record-validation';
import { PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIXES, TTL_ATTRIBUTE, type CustomerTable } from './table-design';
import { timerPause, type Pause } from './transact-write';

/**
 * Days the tombstone is kept: past the 30 days of the bus's event archive (and EventBridge's
 * 24 hours of retries), so no event sent before the erasure can bring the customer back.
 */
export const ERASURE_TOMBSTONE_DAYS = 31;

/**
 * The tombstone's sort key. Under `STATE#`, so the one Query ingest already makes
 * (readEventState) reads it; the snapshot ignores it (an unknown `STATE#` item), and without a
 * profile the customer is unknown to every other reader.
 */
export const ERASURE_TOMBSTONE_SORT_KEY = `${SORT_KEY_PREFIXES.state}ERASED`;

/** Sort-key prefix of the last SMS double opt-in text to a number (sms-confirmation-texts.ts). */
const SMS_CONFIRMATION_PREFIX = 'SMS_CONFIRMATION#';
/** Most requests of one BatchWriteItem. */
const BATCH_WRITE_LIMIT = 25;
/** Rounds of unprocessed items (throttling) before giving up. */
const UNPROCESSED_ATTEMPTS = 8;

/** What an erasure did: counts and ids only (safe to log). */
export interface ErasureOutcome {
  readonly customerId: string;
  /** When the tombstone says the customer was erased (UTC). */
  readonly erasedAt: string;
  /** Items of the partition deleted (the tombstone not counted). */
  readonly itemsDeleted: number;
  /** Phone-index items naming the customer deleted. */
  readonly phoneIndexItemsDeleted: number;
}

/** Options of {@link eraseCustomer}. */
export interface EraseCustomerOptions {
  /** The erasure's instant. @default - now */
  readonly now?: Date;
  /** Waits between rounds of unprocessed deletes. @default - a timer */
  readonly pause?: Pause;
}

function partitionKeyOf(customerId: string): AttributeValue {
  return { S: itemKeys.partition(customerId) };
}

/**
 * Erases the customer (see the module comment) and leaves the tombstone. Idempotent: a customer
 * already erased, or never known, gets a new tombstone and nothing else.
 * @throws InvalidRecordError for an id that is not a customer id; CustomerStoreError when the table fails
 */
export async function eraseCustomer(table: CustomerTable, customerId: string, options: EraseCustomerOptions = {}): Promise<ErasureOutcome> {
  const id = parseRecord(CustomerIdSchema, customerId, 'customerId');
  const erasedAt = (options.now ?? new Date()).toISOString();
  const pause = options.pause ?? timerPause;
  return guarded(`erase customer ${id}`, async () => {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          [PARTITION_KEY]: partitionKeyOf(id),
          [SORT_KEY]: { S: ERASURE_TOMBSTONE_SORT_KEY },
          kind: { S: 'erasure' },
          customerId: { S: id },
          erasedAt: { S: erasedAt },
          [TTL_ATTRIBUTE]: { N: String(expiryAfter(erasedAt, ERASURE_TOMBSTONE_DAYS)) },
        },
      }),
    );
    const { keys, phones } = await readPartition(table, id);
    let phoneIndexItemsDeleted = 0;
    for (const phone of phones) phoneIndexItemsDeleted += await unindexErasedCustomer(table, phone, id);
    await deleteAll(table, id, keys, pause);
    return { customerId: id, erasedAt, itemsDeleted: keys.length, phoneIndexItemsDeleted };
  });
}

/**
 * The keys of every item of the partition but the tombstone, and every number an item names (the
 * profile's, a consent's or a proof's, a confirmation text's): the phone index may still list the
 * customer under a number the profile no longer holds (a phone change cut short).
 */
async function readPartition(table: CustomerTable, id: string): Promise<{ keys: Record<string, AttributeValue>[]; phones: Set<string> }> {
  const keys: Record<string, AttributeValue>[] = [];
  const phones = new Set<string>();
  const addPhone = (value: AttributeValue | undefined) => {
    if (value?.S !== undefined && PhoneSchema.safeParse(value.S).success) phones.add(value.S);
  };
  const pages = paginateQuery(
    { client: table.client },
    {
      TableName: table.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': partitionKeyOf(id) },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const sortKey = item[SORT_KEY]?.S ?? '';
      if (sortKey === ERASURE_TOMBSTONE_SORT_KEY) continue;
      keys.push({ [PARTITION_KEY]: partitionKeyOf(id), [SORT_KEY]: { S: sortKey } });
      addPhone(item.phone);
      addPhone(item.proof?.M?.phone);
      if (sortKey.startsWith(SMS_CONFIRMATION_PREFIX)) addPhone({ S: sortKey.slice(SMS_CONFIRMATION_PREFIX.length) });
    }
  }
  return { keys, phones };
}

/** Deletes the items at `keys`, 25 a request, sending unprocessed ones again with backoff. */
async function deleteAll(table: CustomerTable, id: string, keys: readonly Record<string, AttributeValue>[], pause: Pause): Promise<void> {
  for (let first = 0; first < keys.length; first += BATCH_WRITE_LIMIT) {
    let requests: WriteRequest[] = keys.slice(first, first + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 1; requests.length > 0; attempt += 1) {
      if (attempt > UNPROCESSED_ATTEMPTS) throw new StoreContentionError(`erase customer ${id}: deletes kept coming back unprocessed`);
      if (attempt > 1) await pause(Math.min(1000, 50 * 2 ** attempt));
      const answer = await table.client.send(new BatchWriteItemCommand({ RequestItems: { [table.tableName]: requests } }));
      requests = answer.UnprocessedItems?.[table.tableName] ?? [];
    }
  }
}
