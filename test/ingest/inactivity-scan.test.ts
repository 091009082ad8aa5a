/**
 * The daily inactivity scan on the emulators: the customer table (dynalite), the audience bucket
 * (fauxqs's S3, read back with GetObject) and the launcher (a state machine of the local Step
 * Functions, over the SDK wire, whose launches stay running as a big audience's may).
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { deferRefusedLapses } from '../../lib/ingest/deferred-lapses';
import { claimEntry } from '../../lib/ingest/entry-records';
import { findLapses, INACTIVITY_LOOKBACK_DAYS, scanForInactivity, type InactivityLaunch, type InactivityScanPorts } from '../../lib/ingest/inactivity-scan';
import { routesOf } from '../../lib/ingest/journey-routes';
import { LOCAL_CLIENT_CONFIG } from '../../lib/local/clients';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import { CustomerStore } from '../../lib/store/customer-store';
import { lapseShard } from '../../lib/store/item-keys';
import { LAPSE_INDEX_SHARDS } from '../../lib/store/table-design';
import { CATALOG } from '../../workflows';
import { WIN_BACK_INACTIVE_DAYS } from '../../workflows/catalog/win-back';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFauxqs, type Fauxqs } from '../support/fauxqs';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';

const now = new Date('2026-06-01T03:00:00Z');
const launcherArn = 'arn:aws:states:us-east-1:111122223333:stateMachine:launcher';
const routes = routesOf(CATALOG, (journey) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`);
const DAY_MS = 86_400_000;

let dynamo: DynaliteHarness;
let fauxqs: Fauxqs;
let s3: S3Client;
let sfn: LocalStepFunctionsHarness;
/** The emulators' clock: the instant of the scan being run. */
let scanAt = now;
let buckets = 0;
let tableName: string;
let ports: InactivityScanPorts;

beforeAll(async () => {
  // Launches stay running as the scan's days pass, as a launch of a big audience may: StartExecution
  // then answers a repeat with the running launch, not ExecutionAlreadyExists.
  [dynamo, fauxqs, sfn] = await Promise.all([startDynalite(), startFauxqs(), startLocalStepFunctions({ machines: { [launcherArn]: { kind: 'waits' } }, now: () => scanAt })]);
  s3 = new S3Client({ ...LOCAL_CLIENT_CONFIG, endpoint: fauxqs.endpoint, forcePathStyle: true });
});
afterAll(async () => {
  s3.destroy();
  await Promise.all([sfn.stop(), fauxqs.stop(), dynamo.stop()]);
});
beforeEach(async () => {
  scanAt = now;
  await sfn.reset();
  tableName = await createCustomerTable(dynamo.client, 'inactivity');
  ports = {
    dynamodb: dynamo.client,
    tableName,
    s3,
    audienceBucket: await newBucket(),
    sfn: sfn.client,
    launcherArn,
    routes,
    now: () => now,
  };
});

/** An empty audience bucket of its own. */
async function newBucket(): Promise<string> {
  buckets += 1;
  const bucket = `audiences-${buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Runs the scan at `at`, Step Functions' clock reading the same instant. */
function scanAtInstant(scanPorts: InactivityScanPorts, at: Date): Promise<InactivityLaunch[]> {
  scanAt = at;
  return scanForInactivity({ ...scanPorts, now: () => at });
}

/** The audience file `key` as the bucket holds it now. */
async function audienceFile(bucket: string, key: string): Promise<string> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await Body?.transformToString()) ?? '';
}

/**
 * The customer ids of the audiences the launches started since the first `startedBefore`
 * executions read: each launch's audience file as the bucket holds it (the scan writes it, then
 * starts the launch).
 */
async function launchedCustomers(bucket: string, startedBefore: number): Promise<string[]> {
  const launched: string[] = [];
  for (const start of (await sfn.executions()).slice(startedBefore)) {
    const { audienceKey } = JSON.parse(start.input) as { audienceKey?: string };
    const body = audienceKey === undefined ? '' : await audienceFile(bucket, audienceKey);
    launched.push(...body.split('\n').slice(1).filter((line) => line !== '').map((line) => line.split(',')[0] ?? ''));
  }
  return launched;
}

/** Stores a last order `daysAgo` days before `now`, as ingest does. */
async function lastOrdered(customerId: string, daysAgo: number): Promise<void> {
  const at = new Date(now.getTime() - daysAgo * DAY_MS).toISOString();
  await new CustomerStore({ client: dynamo.client, tableName }).setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
}

describe('inactivity scan', () => {
  it('finds customers whose last order\'s whole day is 90 or more days ago, within the catch-up window only', async () => {
    // Prepare
    await lastOrdered('recent', 30);
    // 2026-03-03T03:00Z: 90 days ago, but the rest of the 3rd is not 90 days ago yet.
    await lastOrdered('lapsing-today', WIN_BACK_INACTIVE_DAYS);
    await lastOrdered('just-lapsed', WIN_BACK_INACTIVE_DAYS + 1);
    await lastOrdered('lapsed-last-week', WIN_BACK_INACTIVE_DAYS + 5);
    await lastOrdered('long-gone', WIN_BACK_INACTIVE_DAYS + 30);

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses).toEqual([
      { customerId: 'just-lapsed', lastEventDay: '20260302' },
      { customerId: 'lapsed-last-week', lastEventDay: '20260226' },
    ]);
  });

  it('ignores other attributes and other events of the same customers', async () => {
    // Prepare
    const at = new Date(now.getTime() - 100 * DAY_MS).toISOString();
    await new CustomerStore({ client: dynamo.client, tableName }).setAttributes('c-001', { tier: 'gold', [lastEventAttribute('signed_up')]: at }, { at });

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses).toEqual([]);
  });

  it('finds every lapsed customer of a busy day, whatever index shard they fall in', async () => {
    // Prepare
    const ids = Array.from({ length: 40 }, (_, index) => `busy-${String(index).padStart(2, '0')}`);
    for (const id of ids) await lastOrdered(id, WIN_BACK_INACTIVE_DAYS + 2);

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(new Set(ids.map(lapseShard)).size).toBe(LAPSE_INDEX_SHARDS);
    expect(lapses).toEqual(ids.map((customerId) => ({ customerId, lastEventDay: '20260301' })));
  });

  it('drops a customer who ordered again, and keeps the window\'s edges, whole UTC days, to the millisecond', async () => {
    // Prepare: 90 days before now is 2026-03-03T03:00Z, so the 2nd is the latest lapse day and
    // the lookback reaches back to the 23rd of February.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    const order = (customerId: string, at: string) => store.setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
    await lastOrdered('came-back', WIN_BACK_INACTIVE_DAYS + 2);
    await lastOrdered('came-back', 3);
    await order('end-of-last-day', '2026-03-02T23:59:59.999Z');
    await order('start-of-next-day', '2026-03-03T00:00:00.000Z');
    const firstDay = Date.UTC(2026, 2, 2) - INACTIVITY_LOOKBACK_DAYS * DAY_MS;
    await order('start-of-first-day', new Date(firstDay).toISOString());
    await order('end-of-day-before', new Date(firstDay - 1).toISOString());

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses.map((lapse) => lapse.customerId)).toEqual(['end-of-last-day', 'start-of-first-day']);
  });

  it('compares instants written with an offset as times, not as text', async () => {
    // Prepare: the latest lapse day is 2026-03-02 (UTC); the 3rd is not 90 days ago throughout.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    const order = (customerId: string, at: string) => store.setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
    await order('new-york-late', '2026-03-02T20:00:00-05:00'); // 01:00Z on the 3rd: not yet
    await order('new-york-early', '2026-03-02T18:30:00-05:00'); // 23:30Z on the 2nd: lapsed

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses).toEqual([{ customerId: 'new-york-early', lastEventDay: '20260302' }]);
  });

  it('writes one audience per lapse day and launches it once, named after the journey and the day', async () => {
    // Prepare
    await lastOrdered('c-001', WIN_BACK_INACTIVE_DAYS + 1);
    await lastOrdered('c-002', WIN_BACK_INACTIVE_DAYS + 1);
    await lastOrdered('c-003', WIN_BACK_INACTIVE_DAYS + 3);

    // Act
    const first = await scanAtInstant(ports, now);
    const nextDay = await scanAtInstant(ports, new Date(now.getTime() + DAY_MS));

    // Assess
    expect(first).toEqual([
      { journey: 'win-back', audience: 'lapsed', day: '20260228', lapsed: 1, outcome: 'launched', audienceKey: 'inactivity/win-back/20260228.csv', launchId: 'inactive-win-back-20260228' },
      { journey: 'win-back', audience: 'lapsed', day: '20260302', lapsed: 2, outcome: 'launched', audienceKey: 'inactivity/win-back/20260302.csv', launchId: 'inactive-win-back-20260302' },
    ]);
    expect(nextDay.map((launch) => launch.outcome)).toEqual(['already_launched', 'already_launched']);
    // Ids only, entry keys left empty: each customer enters under the launch id.
    expect(await audienceFile(ports.audienceBucket, 'inactivity/win-back/20260302.csv')).toBe('customerId,entryKey\nc-001,\nc-002,\n');
    expect((await sfn.executions()).map(({ stateMachineArn, name, input }) => ({ stateMachineArn, name, input }))).toEqual([
      { stateMachineArn: launcherArn, name: 'inactive-win-back-20260228', input: '{"journey":"win-back","audienceKey":"inactivity/win-back/20260228.csv"}' },
      { stateMachineArn: launcherArn, name: 'inactive-win-back-20260302', input: '{"journey":"win-back","audienceKey":"inactivity/win-back/20260302.csv"}' },
    ]);
  });

  it('launches every customer of a lapse day, whatever time of day the scan runs', async () => {
    // Prepare: the scan runs at 03:00 UTC; one customer last ordered before that time of day,
    // one after it, on the same UTC day 90 days before the first scan.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    const order = (customerId: string, at: string) => store.setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
    await order('ordered-at-night', '2026-03-03T01:00:00.000Z');
    await order('ordered-at-noon', '2026-03-03T12:00:00.000Z');
    const launched = new Set<string>();

    // Act: three daily scans, each launch reading the audience file as that scan wrote it
    for (let day = 0; day < 3; day += 1) {
      const startedBefore = (await sfn.executions()).length;
      await scanAtInstant(ports, new Date(now.getTime() + day * DAY_MS));
      for (const customerId of await launchedCustomers(ports.audienceBucket, startedBefore)) launched.add(customerId);
    }

    // Assess
    expect([...launched].sort()).toEqual(['ordered-at-night', 'ordered-at-noon']);
  });

  it('launches each lapsed customer exactly once over daily scans, at any time of day and any time of last order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 - 1 }), { minLength: 1, maxLength: 6 }),
        async (scanMinute, orderMinutes) => {
          // Prepare: last orders spread over three days from 2026-03-01; daily scans at one time of
          // day, from before the first lapse until past the last one's catch-up window.
          await sfn.reset();
          const bucket = await newBucket();
          const table = await createCustomerTable(dynamo.client, 'inactivity-property');
          const store = new CustomerStore({ client: dynamo.client, tableName: table });
          const customers = orderMinutes.map((minute, index) => ({ customerId: `p-${index}`, at: new Date(Date.UTC(2026, 2, 1) + minute * 60_000).toISOString() }));
          for (const { customerId, at } of customers) await store.setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
          const firstScan = Date.UTC(2026, 4, 29) + scanMinute * 60_000;
          const launched: string[] = [];

          // Act
          for (let day = 0; day < 3 + INACTIVITY_LOOKBACK_DAYS + 2; day += 1) {
            const startedBefore = (await sfn.executions()).length;
            await scanAtInstant({ ...ports, tableName: table, audienceBucket: bucket }, new Date(firstScan + day * DAY_MS));
            launched.push(...(await launchedCustomers(bucket, startedBefore)));
          }

          // Assess
          expect(launched.sort()).toEqual(customers.map((customer) => customer.customerId).sort());
        },
      ),
      { numRuns: 20 },
    );
  });

  it('launches the customers the re-entry rule lets in on a day once that day is over, once, under a name of its own', async () => {
    // Prepare: c-001 entered win-back on 2 December 2025 at 03:00, ordered in January and lapsed
    // again; a launch of that lapse was refused, so the rule lets them in on 31 May at 03:00.
    const route = routes.find((candidate) => candidate.journey === 'win-back');
    if (route === undefined) throw new Error('win-back is in the catalog');
    const enteredAt = '2025-12-02T03:00:00.000Z';
    await claimEntry({ client: dynamo.client, tableName }, { customerId: 'c-001', journey: 'win-back', entryKey: 'inactive-win-back-20250903', at: enteredAt, reEntry: route.reEntry });
    await lastOrdered('c-001', 137);
    const lastEventAt = new Date(now.getTime() - 137 * DAY_MS).toISOString();
    expect(await deferRefusedLapses({ dynamodb: dynamo.client, tableName }, route, [{ customerId: 'c-001', lastEventAt }])).toBe(1);

    // Act: the scans of the 31st (the day is not over), the 1st, the 2nd, and the 10th (past the lookback).
    const onTheDay = await scanAtInstant(ports, new Date(now.getTime() - DAY_MS));
    const dayAfter = await scanAtInstant(ports, now);
    const twoDaysAfter = await scanAtInstant(ports, new Date(now.getTime() + DAY_MS));
    const pastLookback = await scanAtInstant(ports, new Date(now.getTime() + (INACTIVITY_LOOKBACK_DAYS + 2) * DAY_MS));

    // Assess
    expect(onTheDay).toEqual([]);
    expect(dayAfter).toEqual([
      { journey: 'win-back', audience: 're_entry', day: '20260531', lapsed: 1, outcome: 'launched', audienceKey: 'inactivity/win-back/20260531-reentry.csv', launchId: 'inactive-win-back-20260531-reentry' },
    ]);
    expect(twoDaysAfter.map((launch) => [launch.launchId, launch.outcome])).toEqual([['inactive-win-back-20260531-reentry', 'already_launched']]);
    expect(pastLookback).toEqual([]);
    expect(await audienceFile(ports.audienceBucket, 'inactivity/win-back/20260531-reentry.csv')).toBe('customerId,entryKey\nc-001,\n');
    expect((await sfn.executions()).map(({ name, input }) => ({ name, input }))).toEqual([
      { name: 'inactive-win-back-20260531-reentry', input: '{"journey":"win-back","audienceKey":"inactivity/win-back/20260531-reentry.csv"}' },
    ]);
  });

  it('launches nothing and writes nothing when nobody lapsed', async () => {
    // Act
    const launches = await scanAtInstant(ports, now);

    // Assess
    expect(launches).toEqual([]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: ports.audienceBucket }))).Contents ?? []).toEqual([]);
    expect(await sfn.executions()).toEqual([]);
  });
});
