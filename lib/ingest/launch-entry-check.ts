/**
 * Who of a launch batch may enter the journey as the journey's own trigger would let them in: a
 * launch is the marketer's choice of customers, but the journey was written for the customers its
 * trigger admits.
 *
 * - An event trigger's `when` (welcome: a prospect who has not ordered; loyalty: a loyalty tier) is
 *   tested for each customer, on their stored state at the launch instant, as ingest tests it on
 *   the entry event. A customer who fails it claims no re-entry: a silver tier launched into
 *   loyalty keeps their year for the gold tier.
 * - An inactivity trigger admits a customer whose last `event` is `days` old. The scan found them
 *   so at the launch instant, but a big lapse day's executions start over minutes: a customer
 *   whose last `event` is now within `days` of that instant came back since, and is kept out too.
 *
 * Only the items the test reads are read, in one BatchGetItem per 100 keys (the profile and each
 * attribute a condition names); a `touchpointWithin` condition reads any attribute, so its journey
 * reads each customer's state with one Query. Journeys with neither read nothing here.
 * IAM: `dynamodb:BatchGetItem`, `dynamodb:Query`.
 */
import {
  BatchGetItemCommand,
  QueryCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { CustomerSnapshot } from '../customer/model';
import { entryConditionsOf, meetsEntryConditions, type Trigger } from '../journeys/entry';
import { lastEventAttribute } from '../journeys/event-history';
import type { Condition } from '../journeys/conditions';
import { StoreContentionError } from '../store/errors';
import { itemKeys } from '../store/item-keys';
import { assembleSnapshot } from '../store/snapshot-assembly';
import { PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIXES } from '../store/table-design';
import { timerPause, type Pause } from '../store/transact-write';

const DAY_MS = 86_400_000;
/** Keys one BatchGetItem may ask for. */
const BATCH_GET_LIMIT = 100;
/** Rounds of unprocessed keys (throttling) before giving up. */
const UNPROCESSED_ATTEMPTS = 8;

/** What a trigger's entry test reads of a customer: nothing, the profile and these attributes, or every attribute. */
export type EntryReads = { readonly kind: 'none' } | { readonly kind: 'named'; readonly attributes: readonly string[] } | { readonly kind: 'all' };

/** What the entry test of `trigger` reads of each customer. */
export function entryReadsOf(trigger: Trigger): EntryReads {
  if (trigger.kind === 'inactivity') return { kind: 'named', attributes: [lastEventAttribute(trigger.event)] };
  const conditions = entryConditionsOf(trigger);
  if (conditions.length === 0) return { kind: 'none' };
  if (conditions.some((condition) => condition.kind === 'touchpointWithin')) return { kind: 'all' };
  return { kind: 'named', attributes: [...new Set(conditions.flatMap(attributeReadBy))] };
}

/** The attribute one condition reads, if any (a stage is on the profile). */
function attributeReadBy(condition: Condition): string[] {
  if ('attribute' in condition) return [condition.attribute];
  if ('event' in condition) return [lastEventAttribute(condition.event)];
  return [];
}

/**
 * Whether the customer, as `snapshot` shows them, is one `trigger` admits at the launch instant
 * `launchedAt`: an event trigger's `when` holds, or, for an inactivity trigger, their last event is
 * still `days` or more before it.
 */
export function admittedAtLaunch(trigger: Trigger, snapshot: CustomerSnapshot, launchedAt: string): boolean {
  if (trigger.kind === 'inactivity') {
    const last = snapshot.attributes[lastEventAttribute(trigger.event)];
    return last === undefined || Date.parse(last.changedAt) <= Date.parse(launchedAt) - trigger.days * DAY_MS;
  }
  return meetsEntryConditions(trigger, snapshot, new Date(launchedAt));
}

/**
 * The stored state `reads` names of each of `customerIds` that has a profile (strongly consistent;
 * duplicates read once). A customer without a profile is absent from the map.
 */
export async function readEntrySnapshots(
  client: DynamoDBClient,
  tableName: string,
  customerIds: readonly string[],
  reads: Exclude<EntryReads, { kind: 'none' }>,
  pause: Pause = timerPause,
): Promise<Map<string, CustomerSnapshot>> {
  const ids = [...new Set(customerIds)];
  const items = reads.kind === 'all' ? await queryStates(client, tableName, ids) : await batchGetStates(client, tableName, ids, reads.attributes, pause);
  const snapshots = new Map<string, CustomerSnapshot>();
  for (const id of ids) {
    const snapshot = assembleSnapshot(id, items.get(id) ?? []);
    if (snapshot !== undefined) snapshots.set(id, snapshot);
  }
  return snapshots;
}

type Item = Record<string, AttributeValue>;

/** The profile and `attributes` items of each customer, by customer id. */
async function batchGetStates(client: DynamoDBClient, tableName: string, ids: readonly string[], attributes: readonly string[], pause: Pause): Promise<Map<string, Item[]>> {
  const sortKeys = [itemKeys.profile(), ...attributes.map((name) => itemKeys.attributeState(name))];
  return batchGetByCustomer(client, tableName, ids, sortKeys, pause);
}

/**
 * The items under `sortKeys` in each customer's partition, by customer id (strongly consistent):
 * one BatchGetItem per 100 keys, unprocessed keys asked again.
 */
export async function batchGetByCustomer(
  client: DynamoDBClient,
  tableName: string,
  ids: readonly string[],
  sortKeys: readonly string[],
  pause: Pause = timerPause,
): Promise<Map<string, Item[]>> {
  const keys = ids.flatMap((id) => sortKeys.map((sortKey) => ({ [PARTITION_KEY]: { S: itemKeys.partition(id) }, [SORT_KEY]: { S: sortKey } })));
  const byCustomer = new Map<string, Item[]>();
  const partitionOf = new Map(ids.map((id) => [itemKeys.partition(id), id]));
  for (let first = 0; first < keys.length; first += BATCH_GET_LIMIT) {
    let request: KeysAndAttributes | undefined = { Keys: keys.slice(first, first + BATCH_GET_LIMIT), ConsistentRead: true };
    for (let attempt = 1; request !== undefined; attempt += 1) {
      if (attempt > UNPROCESSED_ATTEMPTS) throw new StoreContentionError(`read ${sortKeys.length} items each of ${ids.length} customers: keys kept coming back unprocessed`);
      if (attempt > 1) await pause(Math.min(1000, 50 * 2 ** attempt));
      const answer: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: request } }));
      for (const item of answer.Responses?.[tableName] ?? []) {
        const id = partitionOf.get(item[PARTITION_KEY]?.S ?? '');
        if (id !== undefined) byCustomer.set(id, [...(byCustomer.get(id) ?? []), item]);
      }
      request = answer.UnprocessedKeys?.[tableName];
      if (request?.Keys?.length === 0) request = undefined;
    }
  }
  return byCustomer;
}

/** Every `STATE#` item of each customer, one Query (and its pages) a customer. */
async function queryStates(client: DynamoDBClient, tableName: string, ids: readonly string[]): Promise<Map<string, Item[]>> {
  const byCustomer = new Map<string, Item[]>();
  for (const id of ids) {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page: QueryCommandOutput = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :state)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(id) }, ':state': { S: SORT_KEY_PREFIXES.state } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    byCustomer.set(id, items);
  }
  return byCustomer;
}
