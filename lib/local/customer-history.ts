/**
 * A customer's journey history as the customer table holds it: the gate's decisions, the
 * send-ledger entries and the journeys' own records (goals, exits, stage changes, send steps that
 * failed after their retries), merged in time order. `overture why CUSTOMER` prints it, and the
 * simulator builds its report from the same records.
 */
import { GetItemCommand, paginateQuery, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { storedJourneyRecords, type JourneyRecord } from '../ingest/journey-records';
import { SendEntrySchema, type DecisionRecord, type SendEntry } from '../store/records';
import type { CustomerStore } from '../store/customer-store';
import { ERASURE_TOMBSTONE_SORT_KEY } from '../store/erase-customer';
import { itemKeys } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIXES } from '../store/table-design';

/** Every item of a customer whose sort key begins with `prefix`, read strongly consistently, in key order. */
async function itemsOf(client: DynamoDBClient, tableName: string, customerId: string, prefix: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customerId) }, ':prefix': { S: prefix } },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) items.push(unmarshall(item));
  return items;
}

/** Every send-ledger entry of a customer, read strongly consistently, in key order. */
export async function sendLedgerOf(client: DynamoDBClient, tableName: string, customerId: string): Promise<SendEntry[]> {
  return (await itemsOf(client, tableName, customerId, SORT_KEY_PREFIXES.sendLedger)).map((item) => SendEntrySchema.parse(item));
}

/** One line of a customer's history. */
export type HistoryEntry =
  | { readonly kind: 'decision'; readonly at: string; readonly decision: DecisionRecord }
  | { readonly kind: 'send'; readonly at: string; readonly send: SendEntry }
  | { readonly kind: 'journey'; readonly at: string; readonly record: JourneyRecord };

/** At one instant, a decision comes before the send it led to, and both before the step's record. */
const ORDER_AT_ONE_INSTANT: Readonly<Record<HistoryEntry['kind'], number>> = { decision: 0, send: 1, journey: 2 };

/** The instant a send-ledger entry stands for: when it was handed over, else when it was reserved. */
export function sendInstant(entry: SendEntry): string {
  return entry.sentAt ?? entry.settledAt ?? entry.reservedAt;
}

/** A customer's decisions, sends and journey records in time order (see ORDER_AT_ONE_INSTANT). */
async function customerHistory(
  store: CustomerStore,
  client: DynamoDBClient,
  tableName: string,
  customerId: string,
): Promise<HistoryEntry[]> {
  const [decisions, sends, records] = await Promise.all([
    store.decisions(customerId),
    sendLedgerOf(client, tableName, customerId),
    storedJourneyRecords(client, tableName, { customerId }),
  ]);
  const entries: HistoryEntry[] = [
    ...decisions.map((decision): HistoryEntry => ({ kind: 'decision', at: decision.at, decision })),
    ...sends.map((send): HistoryEntry => ({ kind: 'send', at: sendInstant(send), send })),
    ...records.map((record): HistoryEntry => ({ kind: 'journey', at: record.at, record })),
  ];
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || ORDER_AT_ONE_INSTANT[a.kind] - ORDER_AT_ONE_INSTANT[b.kind]);
}

/**
 * What `overture why` says of a customer: their history, and when they were erased if they were
 * (lib/store/erase-customer.ts). Erasure keeps the id and that instant alone, so an erased
 * customer's history is empty, unless an event ingest had read before the erasure wrote after it
 * (running the erasure again removes that).
 */
export interface CustomerHistory {
  readonly entries: HistoryEntry[];
  /** When the customer was erased (UTC), from the erasure's tombstone; absent for a customer never erased. */
  readonly erasedAt?: string;
}

/**
 * A customer's history, as {@link customerHistory}, with their erasure if any; undefined when there
 * is no such customer: nothing at all is recorded under its id (no profile, consent, preference,
 * attribute, decision, send or erasure), so that `overture why` can tell a mistyped id from a
 * customer with no decisions or sends yet, such as one whose consents arrived before a profile.
 */
export async function knownCustomerHistory(
  store: CustomerStore,
  client: DynamoDBClient,
  tableName: string,
  customerId: string,
): Promise<CustomerHistory | undefined> {
  const [entries, erasedAt] = await Promise.all([customerHistory(store, client, tableName, customerId), erasureOf(client, tableName, customerId)]);
  if (erasedAt !== undefined) return { entries, erasedAt };
  if (entries.length > 0) return { entries };
  return (await hasAnyRecord(client, tableName, customerId)) ? { entries } : undefined;
}

/** When the customer was erased, from the erasure's tombstone (one strongly consistent GetItem); undefined if never. */
async function erasureOf(client: DynamoDBClient, tableName: string, customerId: string): Promise<string | undefined> {
  const answer = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { [PARTITION_KEY]: { S: itemKeys.partition(customerId) }, [SORT_KEY]: { S: ERASURE_TOMBSTONE_SORT_KEY } },
      ProjectionExpression: 'erasedAt',
      ConsistentRead: true,
    }),
  );
  return answer.Item?.erasedAt?.S;
}

/** Whether the customer's partition holds any item: one strongly consistent Query of one key. */
async function hasAnyRecord(client: DynamoDBClient, tableName: string, customerId: string): Promise<boolean> {
  const page = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customerId) } },
      ProjectionExpression: '#pk',
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  return (page.Items ?? []).length > 0;
}

/** What `overture why` and the history route say of a customer id {@link knownCustomerHistory} does not know. */
export function unknownCustomerMessage(customerId: string): string {
  return `no customer ${customerId}: it has no profile and nothing was recorded for it`;
}

/** What `overture why` says of an erased customer, before anything written after the erasure. */
export function erasedCustomerMessage(customerId: string, erasedAt: string, remaining: number): string {
  return remaining === 0
    ? `Customer ${customerId} was erased at ${erasedAt}: nothing of theirs is kept but the erasure's own record (their id and this time).`
    : `Customer ${customerId} was erased at ${erasedAt}; written after the erasure and kept until it is run again:`;
}
