/**
 * The daily inactivity scan: finds customers whose last `event` (e.g. `order_placed`) is `days`
 * or more ago and launches the journeys with an inactivity entry (win-back) for them, through
 * the same audience launcher as a marketer's launch.
 *
 * It reads `lastEvent.<event>` attribute items (kept by ingest, see effects.ts) with a parallel
 * Scan filtered on the sort key and `changedAt`, writes the matches to an audience CSV in S3 and
 * starts the launcher with a name of the journey and the day, so a rerun the same day launches
 * nothing twice. A lapse is caught on the day it happens and for {@link INACTIVITY_LOOKBACK_DAYS}
 * more days (a missed scan catches up); the entry key is the day of the last event, so the same
 * lapse never enters twice, and the journey's re-entry rule keeps later lapses apart.
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
import { lastEventAttribute } from '../journeys/effects';
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

/** What the scan did for one journey. */
export interface InactivityLaunch {
  readonly journey: string;
  readonly lapsed: number;
  /** `launched`, `already_launched` today, or `none` when nobody lapsed. */
  readonly outcome: 'launched' | 'already_launched' | 'none';
  readonly audienceKey?: string;
}

/** The S3 key of a scan's audience file. */
export function inactivityAudienceKey(journey: string, day: string): string {
  return `inactivity/${journey}/${day}.csv`;
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

/** The audience CSV of `lapses`: a header row, then one customer per row with its entry key. */
export function lapseAudienceCsv(lapses: readonly Lapse[]): string {
  return ['customerId,entryKey', ...lapses.map((lapse) => `${lapse.customerId},inactive-${lapse.lastEventDay}`)].join('\n') + '\n';
}

/** Runs the scan for every journey with an inactivity entry and launches each audience found. */
export async function scanForInactivity(ports: InactivityScanPorts): Promise<InactivityLaunch[]> {
  const now = ports.now();
  const today = dayOf(now.toISOString());
  const launches: InactivityLaunch[] = [];
  for (const route of ports.routes) {
    if (route.trigger.kind !== 'inactivity') continue;
    const lapses = await findLapses(ports, route.trigger, now);
    if (lapses.length === 0) {
      launches.push({ journey: route.journey, lapsed: 0, outcome: 'none' });
      continue;
    }
    const audienceKey = inactivityAudienceKey(route.journey, today);
    await ports.s3.send(
      new PutObjectCommand({ Bucket: ports.audienceBucket, Key: audienceKey, Body: lapseAudienceCsv(lapses), ContentType: 'text/csv' }),
    );
    try {
      await ports.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: ports.launcherArn,
          name: `inactivity-${route.journey}-${today}`,
          input: JSON.stringify({ journey: route.journey, audienceKey }),
        }),
      );
      launches.push({ journey: route.journey, lapsed: lapses.length, outcome: 'launched', audienceKey });
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      launches.push({ journey: route.journey, lapsed: lapses.length, outcome: 'already_launched', audienceKey });
    }
  }
  return launches;
}
