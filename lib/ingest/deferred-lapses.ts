/**
 * Lapses the re-entry rule deferred: a customer an inactivity journey (win-back) entered, who came
 * back and lapsed again while its `afterDays` still ran since that entry, is refused for the new
 * lapse (`not_eligible`). The daily scan finds a lapse day only in the week after it is old enough
 * (inactivity-scan.ts), so without more that customer would never be found for it again.
 *
 * So the launch worker, for each such refusal, puts one item in the customer's partition,
 * `sk = ENTRY#<journey>#DEFERRED_LAPSE`, that the lapse index lists under
 * `deferredLapse.<journey>#<shard>` at the instant the rule lets the customer in again (the latest
 * entry plus `days`). The daily scan reads those keys as it reads the lapse days, finds the day
 * that instant falls on once the day is over, and launches its customers under a name of their own
 * ({@link inactivityReEntryLaunchId} in inactivity-scan.ts). The launch checks them as any
 * inactivity launch: a customer who ordered since is `conditionNotMet` (no message), and the entry
 * records keep them to one entry within `days` (no double entry, whichever launch comes first).
 *
 * Only a lapse that began after the latest entry is deferred: a customer entered for this lapse
 * already (a marketer's launch of win-back naming them again, say) has had their win-back. The item
 * is rewritten by the next such refusal and expires {@link DEFERRED_LAPSE_RETENTION_DAYS} after
 * the instant it names, when the scan no longer looks at its day.
 *
 * IAM: `dynamodb:BatchGetItem` (the rule records), `dynamodb:PutItem`: what the launch worker has.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CustomerSnapshot } from '../customer/model';
import { lastEventAttribute } from '../journeys/event-history';
import { deferredLapseAttribute, expiryAfter, instantKey, itemKeys, lapseKeyOf, lapseShard } from '../store/item-keys';
import { LAPSE_AT, LAPSE_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../store/table-design';
import { entryRecordKey } from './entry-records';
import type { JourneyRoute } from './journey-routes';
import { batchGetByCustomer } from './launch-entry-check';

const DAY_MS = 86_400_000;

/** Days a deferred lapse is kept after the instant it names: longer than the scan looks back. */
export const DEFERRED_LAPSE_RETENTION_DAYS = 30;

/** The sort key of a customer's deferred lapse for `journey`. */
export function deferredLapseRecordKey(journey: string): string {
  return `${entryRecordKey(journey)}#DEFERRED_LAPSE`;
}

/** A customer the re-entry rule refused at a launch of an inactivity journey, and when their last `event` happened. */
export interface RefusedLapse {
  readonly customerId: string;
  readonly lastEventAt: string;
}

/**
 * The refused lapse of a customer `route` refused as `snapshot` shows them, if the journey defers
 * one: an inactivity journey whose rule is `afterDays`, and a customer with a last `event`.
 */
export function refusedLapseOf(route: JourneyRoute, customerId: string, snapshot: CustomerSnapshot | undefined): RefusedLapse | undefined {
  if (route.trigger.kind !== 'inactivity' || route.reEntry.rule !== 'afterDays') return undefined;
  const last = snapshot?.attributes[lastEventAttribute(route.trigger.event)];
  return last === undefined ? undefined : { customerId, lastEventAt: last.changedAt };
}

/**
 * Defers each refused lapse that began after the customer's latest entry into `route`'s journey
 * to the instant the re-entry rule lets them in (see the module comment); returns how many.
 */
export async function deferRefusedLapses(
  ports: { readonly dynamodb: DynamoDBClient; readonly tableName: string },
  route: JourneyRoute,
  refused: readonly RefusedLapse[],
): Promise<number> {
  if (refused.length === 0 || route.reEntry.rule !== 'afterDays') return 0;
  const { days } = route.reEntry;
  const records = await batchGetByCustomer(ports.dynamodb, ports.tableName, refused.map((lapse) => lapse.customerId), [entryRecordKey(route.journey)]);
  let deferred = 0;
  for (const { customerId, lastEventAt } of refused) {
    const enteredAt = records.get(customerId)?.[0]?.enteredAt?.S;
    if (enteredAt === undefined || Date.parse(lastEventAt) <= Date.parse(enteredAt)) continue;
    const allowedAt = new Date(Date.parse(enteredAt) + days * DAY_MS).toISOString();
    await ports.dynamodb.send(
      new PutItemCommand({
        TableName: ports.tableName,
        Item: {
          [PARTITION_KEY]: { S: itemKeys.partition(customerId) },
          [SORT_KEY]: { S: deferredLapseRecordKey(route.journey) },
          kind: { S: 'deferred_lapse' },
          journey: { S: route.journey },
          lastEventAt: { S: instantKey(lastEventAt) },
          enteredAt: { S: enteredAt },
          [LAPSE_KEY]: { S: lapseKeyOf(deferredLapseAttribute(route.journey), lapseShard(customerId)) },
          [LAPSE_AT]: { S: allowedAt },
          [TTL_ATTRIBUTE]: { N: String(expiryAfter(allowedAt, DEFERRED_LAPSE_RETENTION_DAYS)) },
        },
      }),
    );
    deferred += 1;
  }
  return deferred;
}
