/**
 * The daily inactivity scan: finds customers whose last `event` (e.g. `order_placed`) is `days`
 * or more ago and launches the journeys with an inactivity entry (win-back) for them, through
 * the same audience launcher as a marketer's launch.
 *
 * It reads `lastEvent.<event>` attribute items (kept by ingest, see effects.ts) with a parallel
 * Scan filtered on the sort key and `changedAt`. Customers are grouped by the day of their last
 * event (the lapse day): each day's group becomes one audience CSV and one launcher execution
 * named after the journey and that day, which is also the launch id and so the entry key. A lapse
 * is found on the day it happens and for {@link INACTIVITY_LOOKBACK_DAYS} more days (so a missed
 * scan catches up), but its launch name repeats, so it is launched once; the journey's re-entry
 * rule keeps later lapses of the same customer apart.
 *
 * Trade-off: a Scan reads the whole table once a day. That costs about one read unit per 8 KB
 * of table (eventually consistent) — for a million customers with a few dozen small items each,
 * well under a dollar a day — and needs no index, no extra write per event and no hot index
 * partition (every customer's `lastEvent.order_placed` under one key). A sparse index keyed by
 * lapse day would read only the matches; it pays off when the table is much larger than the
 * daily audience, at the price of an index write on every order.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { lastEventAttribute } from '../journeys/event-history';
import { itemKeys } from '../store/item-keys';
import { CUSTOMER_PARTITION_PREFIX, PARTITION_KEY, SORT_KEY } from '../store/table-design';
import type { JourneyRoute } from './journey-routes';

/** Days after the lapse day on which a lapse is still found (covers missed daily scans). */
export const INACTIVITY_LOOKBACK_DAYS = 7;

/** Parallel Scan segments; each is read by one concurrent request chain. */
export const INACTIVITY_SCAN_SEGMENTS = 4;

const DAY_MS = 86_400_000;

/** Where the scan reads, writes and launches. */
export interface InactivityScanPorts {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly s3: S3Client;
  readonly audienceBucket: string;
  readonly sfn: SFNClient;
  readonly launcherArn: string;
  readonly routes: readonly JourneyRoute[];
  readonly now: () => Date;
}

/** One lapsed customer: the id and the day of the last event (`20260302`). */
export interface Lapse {
  readonly customerId: string;
  readonly lastEventDay: string;
}

/** What the scan did for one journey and lapse day. */
export interface InactivityLaunch {
  readonly journey: string;
  /** The day the customers' last event happened (`20260302`). */
  readonly lapseDay: string;
  readonly lapsed: number;
  /** `launched`, or `already_launched` by an earlier scan. */
  readonly outcome: 'launched' | 'already_launched';
  readonly audienceKey: string;
  /** The launcher execution's name: the launch id and the customers' entry key. */
  readonly launchId: string;
}

/** The S3 key of the audience of one journey and lapse day. */
export function inactivityAudienceKey(journey: string, lapseDay: string): string {
  return `inactivity/${journey}/${lapseDay}.csv`;
}

/** The launch id (launcher execution name) of one journey and lapse day. */
export function inactivityLaunchId(journey: string, lapseDay: string): string {
  return `inactive-${journey}-${lapseDay}`;
}

function dayOf(instant: string): string {
  return instant.slice(0, 10).replaceAll('-', '');
}

/** Customers whose last `event` is in (`now` − `days` − lookback, `now` − `days`]. */
export async function findLapses(
  ports: Pick<InactivityScanPorts, 'dynamodb' | 'tableName'>,
  trigger: { readonly event: string; readonly days: number },
  now: Date,
): Promise<Lapse[]> {
  const cutoff = new Date(now.getTime() - trigger.days * DAY_MS).toISOString();
  const floor = new Date(now.getTime() - (trigger.days + INACTIVITY_LOOKBACK_DAYS) * DAY_MS).toISOString();
  const sortKey = itemKeys.attributeState(lastEventAttribute(trigger.event));
  const segments = Array.from({ length: INACTIVITY_SCAN_SEGMENTS }, (_, segment) => segment);
  const found = await Promise.all(
    segments.map(async (segment) => {
      const lapses: Lapse[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await ports.dynamodb.send(
          new ScanCommand({
            TableName: ports.tableName,
            Segment: segment,
            TotalSegments: INACTIVITY_SCAN_SEGMENTS,
            FilterExpression: '#sk = :sk AND #changedAt <= :cutoff AND #changedAt > :floor',
            ProjectionExpression: '#pk, #changedAt',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#changedAt': 'changedAt' },
            ExpressionAttributeValues: { ':sk': { S: sortKey }, ':cutoff': { S: cutoff }, ':floor': { S: floor } },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const partition = item[PARTITION_KEY]?.S;
          const changedAt = item.changedAt?.S;
          if (partition?.startsWith(CUSTOMER_PARTITION_PREFIX) && changedAt) {
            lapses.push({ customerId: partition.slice(CUSTOMER_PARTITION_PREFIX.length), lastEventDay: dayOf(changedAt) });
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return lapses;
    }),
  );
  return found.flat().sort((a, b) => a.customerId.localeCompare(b.customerId));
}

/** An audience CSV: a header row, then one customer id per row. */
export function audienceCsv(customerIds: readonly string[]): string {
  return ['customerId', ...customerIds].join('\n') + '\n';
}

/** Runs the scan for every journey with an inactivity entry and launches each lapse day found. */
export async function scanForInactivity(ports: InactivityScanPorts): Promise<InactivityLaunch[]> {
  const now = ports.now();
  const launches: InactivityLaunch[] = [];
  for (const route of ports.routes) {
    if (route.trigger.kind !== 'inactivity') continue;
    const byDay = new Map<string, string[]>();
    for (const lapse of await findLapses(ports, route.trigger, now)) {
      byDay.set(lapse.lastEventDay, [...(byDay.get(lapse.lastEventDay) ?? []), lapse.customerId]);
    }
    for (const [lapseDay, customerIds] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
      const audienceKey = inactivityAudienceKey(route.journey, lapseDay);
      const launchId = inactivityLaunchId(route.journey, lapseDay);
      const launch = { journey: route.journey, lapseDay, lapsed: customerIds.length, audienceKey, launchId };
      await ports.s3.send(
        new PutObjectCommand({ Bucket: ports.audienceBucket, Key: audienceKey, Body: audienceCsv(customerIds), ContentType: 'text/csv' }),
      );
      try {
        await ports.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: ports.launcherArn,
            name: launchId,
            input: JSON.stringify({ journey: route.journey, audienceKey }),
          }),
        );
        launches.push({ ...launch, outcome: 'launched' });
      } catch (error) {
        if (!(error instanceof ExecutionAlreadyExists)) throw error;
        launches.push({ ...launch, outcome: 'already_launched' });
      }
    }
  }
  return launches;
}
