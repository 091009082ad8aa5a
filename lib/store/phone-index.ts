/**
 * Phone number → customer id, for inbound SMS (STOP, START, HELP arrive with a phone number, and
 * the customer table is keyed by customer id).
 *
 * One small item per number, in its own partition of the customer table:
 * `pk = PHONE#<E.164>`, `sk = PHONE_INDEX`, with `customerId` and `updatedAt`. It is written by
 * whoever stores a profile with a phone (`indexProfilePhone` after `CustomerStore.putProfile`), so
 * the lookup is one strongly consistent GetItem. When several profiles share a number, the one
 * stored with the latest `updatedAt` wins: an older profile write arriving late does not take the
 * number back.
 *
 * These are functions over the client and table name rather than CustomerStore methods, so the
 * store keeps its one-partition-per-customer layout untouched; nothing else lives under `PHONE#`.
 * IAM: `dynamodb:GetItem` (lookup), `dynamodb:PutItem` and `dynamodb:DeleteItem` (maintenance).
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { CustomerIdSchema, InstantSchema, PhoneSchema, type Profile } from '../customer/model';
import { CustomerStoreError } from './errors';
import { instantKey } from './item-keys';
import { parseRecord } from './record-validation';
import { PARTITION_KEY, SORT_KEY } from './table-design';

/** Prefix of the partition key of a phone-index item. */
export const PHONE_PARTITION_PREFIX = 'PHONE#';
/** Sort key of every phone-index item. */
export const PHONE_INDEX_SORT_KEY = 'PHONE_INDEX';

/** Which customer a number belongs to, and as of when. */
export const PhoneIndexEntrySchema = z.object({
  phone: PhoneSchema,
  customerId: CustomerIdSchema,
  updatedAt: InstantSchema,
});
export type PhoneIndexEntry = z.infer<typeof PhoneIndexEntrySchema>;

/** Where the index lives. */
export interface PhoneIndexTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

function key(phone: string) {
  return { [PARTITION_KEY]: { S: `${PHONE_PARTITION_PREFIX}${phone}` }, [SORT_KEY]: { S: PHONE_INDEX_SORT_KEY } };
}

async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CustomerStoreError) throw error;
    throw new CustomerStoreError(`${what} failed`, { cause: error });
  }
}

/**
 * Points `entry.phone` at `entry.customerId`, unless the number is already indexed as of a later
 * `updatedAt`. Returns whether the item was written.
 */
export async function indexPhone(table: PhoneIndexTable, entry: PhoneIndexEntry): Promise<boolean> {
  const valid = parseRecord(PhoneIndexEntrySchema, entry, 'phoneIndex');
  const order = instantKey(valid.updatedAt);
  return guarded(`index phone of customer ${valid.customerId}`, async () => {
    try {
      await table.client.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: {
            ...key(valid.phone),
            kind: { S: 'phone_index' },
            phone: { S: valid.phone },
            customerId: { S: valid.customerId },
            updatedAt: { S: valid.updatedAt },
            order: { S: order },
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #order <= :order',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#order': 'order' },
          ExpressionAttributeValues: { ':order': { S: order } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  });
}

/** Indexes the profile's phone, if it has one; call it after `CustomerStore.putProfile(profile)`. */
export async function indexProfilePhone(table: PhoneIndexTable, profile: Profile): Promise<boolean> {
  if (profile.phone === undefined) return false;
  return indexPhone(table, { phone: profile.phone, customerId: profile.customerId, updatedAt: profile.updatedAt });
}

/** The customer id the number belongs to, read strongly consistently, or undefined. */
export async function customerIdForPhone(table: PhoneIndexTable, phone: string): Promise<string | undefined> {
  const validPhone = parseRecord(PhoneSchema, phone, 'phone');
  return guarded('look up a phone number', async () => {
    const { Item } = await table.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: key(validPhone), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const data: Record<string, unknown> = unmarshall(Item);
    return parseRecord(PhoneIndexEntrySchema, data, 'phoneIndex', 'stored phone-index item').customerId;
  });
}

/**
 * Removes the number from the index if it still points at `customerId` (a profile whose phone
 * changed or was removed). Returns whether an item was deleted.
 */
export async function unindexPhone(table: PhoneIndexTable, phone: string, customerId: string): Promise<boolean> {
  const validPhone = parseRecord(PhoneSchema, phone, 'phone');
  const id = parseRecord(CustomerIdSchema, customerId, 'customerId');
  return guarded(`unindex phone of customer ${id}`, async () => {
    try {
      await table.client.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: key(validPhone),
          ConditionExpression: '#customerId = :customerId',
          ExpressionAttributeNames: { '#customerId': 'customerId' },
          ExpressionAttributeValues: { ':customerId': { S: id } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  });
}
