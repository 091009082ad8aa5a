/**
 * The daily inactivity scan: finds customers whose last `event` (e.g. `order_placed`) is `days`
 * or more ago and launches the journeys with an inactivity entry (win-back) for them, through
 * the same audience launcher as a marketer's launch.
 *
 * It reads the lapse index of the customer table (table-design.ts): per shard, one Query of the
 * customers whose last `event` falls in the window. Customers are grouped by the UTC day of their
 * last event (the lapse day): each day's group becomes one audience CSV and one launcher execution
 * named after the journey and that day, which is also the launch id and so the entry key. A lapse
 * day is found once all of it is `days` old — the first scan at or after its end plus `days` — and
 * by the scans of {@link INACTIVITY_LOOKBACK_DAYS} more days (so a missed scan catches up), but
 * its launch name repeats, so it is launched once; the journey's re-entry rule keeps later lapses
 * of the same customer apart. Only whole days: a scan that launched the part of a day already
 * `days` old (the customers who last ordered before the scan's time of day) would leave the rest
 * of that day to the next scan, whose launch of the same name starts nothing.
 *
 * A customer the re-entry rule (`afterDays`) kept out of a lapse that began after their latest
 * entry is listed in the same index, under the instant the rule lets them in (deferred-lapses.ts,
 * written by the launch). The scan reads those the same way, by whole days, with no `days` to wait:
 * the first scan after the end of the day the rule lets them in launches them, named after the
 * journey and that day ({@link inactivityReEntryLaunchId}), and the scans of the lookback find the
 * day again under the same name. The launch's checks keep out whoever ordered since.
 *
 * Why an index rather than a Scan of the table: a Scan reads every item every day, and the table
 * only grows (consent ledger, attribute history), so one day it no longer fits one invocation.
 * The index costs one index write per customer event and reads only the window's lapsed customers,
 * in one Query per shard, whatever the size of the table.
 */
import { paginateQuery, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { lastEventAttribute } from '../journeys/event-history';
import { deferredLapseAttribute, lapseKeyOf } from '../store/item-keys';
import { CUSTOMER_PARTITION_PREFIX, LAPSE_AT, LAPSE_INDEX_NAME, LAPSE_INDEX_SHARDS, LAPSE_KEY, PARTITION_KEY } from '../store/table-design';
import { audienceCsv } from './audience-row';
import type { JourneyRoute } from './journey-routes';
import { startedEarlier } from './start-journey';

/** Days after the first scan that finds a lapse day on which it is still found (covers missed daily scans). */
export const INACTIVITY_LOOKBACK_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * Which lapse days a scan finds. `recent`: the lookback of the daily scan (see the module
 * comment). `earlier`: every day before those, which no daily scan from `now` on finds any more —
 * the local simulation's catch-up at its first scan, for customers whose last event, stated in
 * the scenario, is long before it began. In AWS the scan always looks back `recent`ly: a lapse
 * day that old was found by the scans of its own days.
 */
export type LapseWindow = 'recent' | 'earlier';

/** The first instant there is, as a `lapseAt` value: every stored instant sorts at or after it. */
const EARLIEST_LAPSE_AT = new Date(-8.64e15).toISOString();

/**
 * What the scan needs of S3: to put each audience file. An S3Client in AWS; the local runtime's
 * also keeps a copy in its data folder, since its bucket is in memory.
 */
export interface AudienceFileStore {
  send(command: PutObjectCommand): Promise<PutObjectCommandOutput>;
}

/** Where the scan reads, writes and launches. */
export interface InactivityScanPorts {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly s3: AudienceFileStore;
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

/**
 * Whom a launch of the scan enters: customers `lapsed` on its day (their last event's day), or
 * customers the re-entry rule kept out of a lapse and lets in again on its day (`re_entry`).
 */
export type InactivityAudience = 'lapsed' | 're_entry';

/** What the scan did for one journey and day. */
export interface InactivityLaunch {
  readonly journey: string;
  readonly audience: InactivityAudience;
  /** `lapsed`: the day the customers' last event happened; `re_entry`: the day the re-entry rule lets them in (`20260302`). */
  readonly day: string;
  /** The customers in the launch's audience. */
  readonly lapsed: number;
  /** `launched`, or `already_launched` by an earlier scan. */
  readonly outcome: 'launched' | 'already_launched';
  readonly audienceKey: string;
  /** The launcher execution's name: the launch id and the customers' entry key. */
  readonly launchId: string;
}

/** The S3 key of the audience of one journey and lapse day (`lapsed`) or re-entry day (`re_entry`). */
export function inactivityAudienceKey(journey: string, day: string, audience: InactivityAudience = 'lapsed'): string {
  return audience === 'lapsed' ? `inactivity/${journey}/${day}.csv` : `inactivity/${journey}/${day}-reentry.csv`;
}

/** The launch id (launcher execution name) of one journey and lapse day. */
export function inactivityLaunchId(journey: string, lapseDay: string): string {
  return `inactive-${journey}-${lapseDay}`;
}

/**
 * The launch id of one journey's customers the re-entry rule lets in on `day`: never a lapse
 * day's, which ends in the day's digits, whatever the journey's name.
 */
export function inactivityReEntryLaunchId(journey: string, day: string): string {
  return `inactive-${journey}-${day}-reentry`;
}

/** The UTC day (`YYYYMMDD`) of a `lapseAt` value, which is already a UTC instant. */
function dayOf(lapseAt: string): string {
  return lapseAt.slice(0, 10).replaceAll('-', '');
}

/**
 * Customers whose last `event` fell on a UTC day that ended `days` or more before `now`, and no
 * more than {@link INACTIVITY_LOOKBACK_DAYS} days before the latest such day: the lapse days
 * [D − lookback, D], D the day before the UTC day of `now` − `days`. With `lapseWindow`
 * `earlier`, the days before those instead: (−∞, D − lookback).
 */
export async function findLapses(
  ports: Pick<InactivityScanPorts, 'dynamodb' | 'tableName'>,
  trigger: { readonly event: string; readonly days: number },
  now: Date,
  lapseWindow: LapseWindow = 'recent',
): Promise<Lapse[]> {
  return listedIn(ports, lastEventAttribute(trigger.event), windowOf(now, trigger.days, lapseWindow));
}

/**
 * Customers the re-entry rule of `journey` kept out of a lapse and lets in on a UTC day that
 * ended before `now`, within the lookback: the days [D − lookback, D], D the day before `now`'s
 * (see deferred-lapses.ts). `lastEventDay` is that day.
 */
export function findDeferredLapses(ports: Pick<InactivityScanPorts, 'dynamodb' | 'tableName'>, journey: string, now: Date): Promise<Lapse[]> {
  return listedIn(ports, deferredLapseAttribute(journey), windowOf(now, 0, 'recent'));
}

/** The `lapseAt` range (both ends included) of the whole UTC days `days` old at `now` in `lapseWindow` (see findLapses). */
function windowOf(now: Date, days: number, lapseWindow: LapseWindow): { readonly from: string; readonly to: string } {
  // The start of the UTC day that is not yet `days` old throughout: it and later days wait.
  const cutoff = Math.floor((now.getTime() - days * DAY_MS) / DAY_MS) * DAY_MS;
  const floor = cutoff - (INACTIVITY_LOOKBACK_DAYS + 1) * DAY_MS;
  // `lapseAt` is a UTC instant with milliseconds, so text order is time order: [floor, cutoff) is
  // [floor, cutoff − 1 ms].
  return lapseWindow === 'recent'
    ? { from: new Date(floor).toISOString(), to: new Date(cutoff - 1).toISOString() }
    : { from: EARLIEST_LAPSE_AT, to: new Date(floor - 1).toISOString() };
}

/** The customers the lapse index lists under `attribute` in `window`, every shard, by customer id. */
async function listedIn(
  ports: Pick<InactivityScanPorts, 'dynamodb' | 'tableName'>,
  attribute: string,
  window: { readonly from: string; readonly to: string },
): Promise<Lapse[]> {
  const shards = Array.from({ length: LAPSE_INDEX_SHARDS }, (_, shard) => lapsesIn(ports, lapseKeyOf(attribute, shard), window));
  return (await Promise.all(shards)).flat().sort((a, b) => a.customerId.localeCompare(b.customerId));
}

/** The customers under one lapse-index key whose last event is in `window` (both ends included), every page. */
async function lapsesIn(
  ports: Pick<InactivityScanPorts, 'dynamodb' | 'tableName'>,
  key: string,
  window: { readonly from: string; readonly to: string },
): Promise<Lapse[]> {
  const lapses: Lapse[] = [];
  const pages = paginateQuery(
    { client: ports.dynamodb },
    {
      TableName: ports.tableName,
      IndexName: LAPSE_INDEX_NAME,
      KeyConditionExpression: '#key = :key AND #at BETWEEN :from AND :to',
      ProjectionExpression: '#pk, #at',
      ExpressionAttributeNames: { '#key': LAPSE_KEY, '#at': LAPSE_AT, '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':key': { S: key }, ':from': { S: window.from }, ':to': { S: window.to } },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const partition = item[PARTITION_KEY]?.S;
      const at = item[LAPSE_AT]?.S;
      if (partition?.startsWith(CUSTOMER_PARTITION_PREFIX) && at !== undefined) {
        lapses.push({ customerId: partition.slice(CUSTOMER_PARTITION_PREFIX.length), lastEventDay: dayOf(at) });
      }
    }
  }
  return lapses;
}

/**
 * Runs the scan for every journey with an inactivity entry and launches each lapse day found, then
 * each day its re-entry rule lets in customers it kept out (`recent` only: deferred lapses are
 * written by launches, so none is older than the scans that saw its day).
 *
 * @param lapseWindow - which lapse days it looks at (see {@link LapseWindow}). @default 'recent'
 */
export async function scanForInactivity(ports: InactivityScanPorts, lapseWindow: LapseWindow = 'recent'): Promise<InactivityLaunch[]> {
  const now = ports.now();
  const launches: InactivityLaunch[] = [];
  for (const route of ports.routes) {
    if (route.trigger.kind !== 'inactivity') continue;
    for (const [day, customerIds] of byDay(await findLapses(ports, route.trigger, now, lapseWindow))) {
      launches.push(await launchDay(ports, now, { journey: route.journey, audience: 'lapsed', day, customerIds }));
    }
    if (lapseWindow !== 'recent' || route.reEntry.rule !== 'afterDays') continue;
    for (const [day, customerIds] of byDay(await findDeferredLapses(ports, route.journey, now))) {
      launches.push(await launchDay(ports, now, { journey: route.journey, audience: 're_entry', day, customerIds }));
    }
  }
  return launches;
}

/** The customers of `lapses` by day, days in order. */
function byDay(lapses: readonly Lapse[]): [string, string[]][] {
  // Appended in place: one lapse day may hold hundreds of thousands of customers (a Black Friday
  // cohort), and copying its list for each of them would outrun the Lambda's 15 minutes.
  const days = new Map<string, string[]>();
  for (const lapse of lapses) {
    const customerIds = days.get(lapse.lastEventDay);
    if (customerIds === undefined) days.set(lapse.lastEventDay, [lapse.customerId]);
    else customerIds.push(lapse.customerId);
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b));
}

/** Writes one day's audience and starts its launch, once by name. */
async function launchDay(
  ports: InactivityScanPorts,
  now: Date,
  found: { readonly journey: string; readonly audience: InactivityAudience; readonly day: string; readonly customerIds: readonly string[] },
): Promise<InactivityLaunch> {
  const { journey, audience, day, customerIds } = found;
  const audienceKey = inactivityAudienceKey(journey, day, audience);
  const launchId = audience === 'lapsed' ? inactivityLaunchId(journey, day) : inactivityReEntryLaunchId(journey, day);
  const launch = { journey, audience, day, lapsed: customerIds.length, audienceKey, launchId };
  // Entry keys left empty: each customer enters under the launch id.
  const body = audienceCsv(customerIds.map((customerId) => ({ customerId })));
  await ports.s3.send(new PutObjectCommand({ Bucket: ports.audienceBucket, Key: audienceKey, Body: body, ContentType: 'text/csv' }));
  try {
    const { startDate } = await ports.sfn.send(
      new StartExecutionCommand({ stateMachineArn: ports.launcherArn, name: launchId, input: JSON.stringify({ journey, audienceKey }) }),
    );
    // While the launch of that name runs, StartExecution with its input answers with it, as if it
    // had started it: a launch that started before this scan is an earlier scan's.
    return { ...launch, outcome: startedEarlier(startDate, now) ? 'already_launched' : 'launched' };
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    return { ...launch, outcome: 'already_launched' };
  }
}
