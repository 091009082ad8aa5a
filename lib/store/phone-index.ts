/**
 * Phone number → the customers whose profiles hold it, for inbound SMS (STOP, START, HELP arrive
 * with a phone number, and the customer table is keyed by customer id).
 *
 * A number can be on several profiles at once: a household sharing one phone, a customer known
 * under two ids, or someone who typed another person's number into the public capture form. A
 * STOP from the number is the wish of whoever holds that phone, so it must reach every customer
 * whose texts go there; the index therefore keeps one small item per (number, customer), in the
 * number's own partition of the customer table:
 * `pk = PHONE#<E.164>`, `sk = CUSTOMER#<customer id>`, with `customerId` and `updatedAt`. It is
 * written by whoever stores a profile with a phone (`indexProfilePhone` after
 * `CustomerStore.putProfile` / `createProfile` / `updateProfile`) and removed when that customer's
 * phone changes (`unindexPhone`, only while the profile holds another number), so no writer can
 * take a number away from another customer, nor from this one after a later change brought it back. The
 * lookup is one strongly consistent Query of the number's partition.
 *
 * Tables written before this layout hold at most one item per number, `sk = PHONE_INDEX`, naming
 * the customer stored last. The lookup reads it too (it is in the same partition), as one more
 * holder, and says it did (`oldLayout`): customers it lost to a later writer are missing until
 * their profile is written again (any ingest event naming the phone) or re-indexed with
 * `indexProfilePhone`, so the list may be short, and START grants nothing while it is there. The
 * item stays until an operator deletes it, after re-indexing (docs/consent.md).
 *
 * The index can list a customer whose profile no longer holds the number (a write cut short
 * between the profile and the index, or two phone changes racing): callers confirm each holder
 * against the profile before acting on it.
 *
 * These are functions over the client and table name rather than CustomerStore methods, so the
 * store keeps its one-partition-per-customer layout untouched and the send function does not
 * bundle them; nothing else lives under `PHONE#`.
 * An erased customer's items go with the erasure (`unindexErasedCustomer`, called by
 * eraseCustomer in erase-customer.ts), whatever the profile holds by then.
 * IAM: `dynamodb:Query` (lookup), `dynamodb:PutItem`, `dynamodb:DeleteItem` and
 * `dynamodb:ConditionCheckItem` (maintenance).
 */
import { ConditionalCheckFailedException, DeleteItemCommand, paginateQuery, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from '../schema/zod-mini';
import { CustomerIdSchema, InstantSchema, PhoneSchema, type Profile } from '../customer/model';
import { guarded } from './errors';
import { itemKeys } from './item-keys';
import { parseRecord } from './record-validation';
import { PARTITION_KEY, SORT_KEY, type CustomerTable } from './table-design';
import { transactWrite } from './transact-write';

/** Prefix of the partition key of a phone-index item. */
const PHONE_PARTITION_PREFIX = 'PHONE#';
/** Prefix of the sort key of the item saying that a customer's profile holds the number. */
const PHONE_HOLDER_SORT_PREFIX = 'CUSTOMER#';
/** Sort key of the one item per number of the earlier layout (read, never written). */
export const LEGACY_PHONE_INDEX_SORT_KEY = 'PHONE_INDEX';

/** That a customer's profile holds a number, and as of when. */
export const PhoneIndexEntrySchema = z.object({
  phone: PhoneSchema,
  customerId: CustomerIdSchema,
  updatedAt: InstantSchema,
});
export type PhoneIndexEntry = z.infer<typeof PhoneIndexEntrySchema>;

/** Where the index lives: the customer table. */
export type PhoneIndexTable = CustomerTable;

/** The partition key value of a number's index items. */
function phonePartition(phone: string): string {
  return `${PHONE_PARTITION_PREFIX}${phone}`;
}

/** The sort key value of the item saying that `customerId`'s profile holds the number. */
function phoneHolderSortKey(customerId: string): string {
  return `${PHONE_HOLDER_SORT_PREFIX}${customerId}`;
}

function holderKey(phone: string, customerId: string): Record<string, AttributeValue> {
  return { [PARTITION_KEY]: { S: phonePartition(phone) }, [SORT_KEY]: { S: phoneHolderSortKey(customerId) } };
}

/**
 * Records that `entry.customerId`'s profile holds `entry.phone`. Idempotent; other customers
 * holding the number keep their own items.
 */
export async function indexPhone(table: PhoneIndexTable, entry: PhoneIndexEntry): Promise<void> {
  const valid = parseRecord(PhoneIndexEntrySchema, entry, 'phoneIndex');
  await guarded(`index phone of customer ${valid.customerId}`, () =>
    table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          ...holderKey(valid.phone, valid.customerId),
          kind: { S: 'phone_index' },
          phone: { S: valid.phone },
          customerId: { S: valid.customerId },
          updatedAt: { S: valid.updatedAt },
        },
      }),
    ),
  );
}

/**
 * Indexes the profile's phone, if it has one; call it after storing the profile. Returns whether
 * there was a number to index.
 */
export async function indexProfilePhone(table: PhoneIndexTable, profile: Profile): Promise<boolean> {
  if (profile.phone === undefined) return false;
  await indexPhone(table, { phone: profile.phone, customerId: profile.customerId, updatedAt: profile.updatedAt });
  return true;
}

/** What the index lists for a number. */
export interface PhoneListing {
  /** Every customer listed (both layouts), sorted; some may have moved on to another number since. */
  readonly customerIds: readonly string[];
  /**
   * Whether the number's partition still holds an item of the earlier layout, which named only the
   * customer stored last: other customers holding the number may then be missing from the list.
   */
  readonly oldLayout: boolean;
}

/**
 * What the index lists for the number, read strongly consistently (one Query of its partition,
 * more only past 1 MB); no customers when none. See the module comment.
 */
export async function phoneListing(table: PhoneIndexTable, phone: string): Promise<PhoneListing> {
  const validPhone = parseRecord(PhoneSchema, phone, 'phone');
  return guarded('look up a phone number', async () => {
    const ids = new Set<string>();
    let oldLayout = false;
    const pages = paginateQuery(
      { client: table.client },
      {
        TableName: table.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': { S: phonePartition(validPhone) } },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (item[SORT_KEY]?.S === LEGACY_PHONE_INDEX_SORT_KEY) oldLayout = true;
        const data: Record<string, unknown> = unmarshall(item);
        ids.add(parseRecord(PhoneIndexEntrySchema, data, 'phoneIndex', 'stored phone-index item').customerId);
      }
    }
    return { customerIds: [...ids].sort(), oldLayout };
  });
}

/**
 * The ids of every customer the index lists for the number (both layouts), sorted, read strongly
 * consistently; empty when none. Some may have moved on to another number since: see the module
 * comment.
 */
export async function customersHoldingPhone(table: PhoneIndexTable, phone: string): Promise<string[]> {
  return [...(await phoneListing(table, phone)).customerIds];
}

/**
 * Removes the item saying that `customerId`'s profile holds the number (its phone changed or was
 * removed), unless the profile holds the number again: a later change that brought it back may
 * have indexed it already, and removing that item would leave STOP from the number reaching
 * nobody. One transaction: the delete, on a check that the profile's phone is another (or none).
 * Other customers holding the number keep theirs. Returns whether an item was deleted (false when
 * there was none, or the profile holds the number).
 */
export async function unindexPhone(table: PhoneIndexTable, phone: string, customerId: string): Promise<boolean> {
  const validPhone = parseRecord(PhoneSchema, phone, 'phone');
  const id = parseRecord(CustomerIdSchema, customerId, 'customerId');
  const what = `unindex phone of customer ${id}`;
  return guarded(what, async () => {
    const result = await transactWrite(
      table.client,
      [
        {
          ConditionCheck: {
            TableName: table.tableName,
            Key: { [PARTITION_KEY]: { S: itemKeys.partition(id) }, [SORT_KEY]: { S: itemKeys.profile() } },
            ConditionExpression: 'attribute_not_exists(#phone) OR #phone <> :phone',
            ExpressionAttributeNames: { '#phone': 'phone' },
            ExpressionAttributeValues: { ':phone': { S: validPhone } },
          },
        },
        {
          Delete: {
            TableName: table.tableName,
            Key: holderKey(validPhone, id),
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY },
          },
        },
      ],
      what,
    );
    return result.committed;
  });
}

/**
 * Removes every index item naming `customerId` under the number, for an erasure: the customer's own
 * item, unconditionally (the profile is being deleted, so there is nothing to check it against),
 * and the earlier layout's one item when it names this customer (it names whoever was stored last,
 * so another customer's is kept). Idempotent; other customers holding the number keep theirs.
 * Returns how many items were deleted.
 */
export async function unindexErasedCustomer(table: PhoneIndexTable, phone: string, customerId: string): Promise<number> {
  const validPhone = parseRecord(PhoneSchema, phone, 'phone');
  const id = parseRecord(CustomerIdSchema, customerId, 'customerId');
  return guarded(`unindex phone of erased customer ${id}`, async () => {
    const own = await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: holderKey(validPhone, id), ReturnValues: 'ALL_OLD' }));
    let deleted = own.Attributes === undefined ? 0 : 1;
    try {
      await table.client.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: { [PARTITION_KEY]: { S: phonePartition(validPhone) }, [SORT_KEY]: { S: LEGACY_PHONE_INDEX_SORT_KEY } },
          ConditionExpression: '#customerId = :customerId',
          ExpressionAttributeNames: { '#customerId': 'customerId' },
          ExpressionAttributeValues: { ':customerId': { S: id } },
        }),
      );
      deleted += 1;
    } catch (error) {
      // No such item, or it names another customer: theirs to keep.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return deleted;
  });
}
