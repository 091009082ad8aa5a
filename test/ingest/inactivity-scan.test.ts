import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { findLapses, INACTIVITY_LOOKBACK_DAYS, scanForInactivity, type InactivityScanPorts } from '../../lib/ingest/inactivity-scan';
import { routesOf } from '../../lib/ingest/journey-routes';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import { CustomerStore } from '../../lib/store/customer-store';
import { lapseShard } from '../../lib/store/item-keys';
import { LAPSE_INDEX_SHARDS } from '../../lib/store/table-design';
import { CATALOG } from '../../workflows';
import { WIN_BACK_INACTIVE_DAYS } from '../../workflows/catalog/win-back';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { fakeStepFunctions } from './fake-step-functions';

const now = new Date('2026-06-01T03:00:00Z');
// Launches stay running as the scan's days pass, as a launch of a big audience may: StartExecution
// then answers a repeat with the running launch, not ExecutionAlreadyExists.
const sfn = fakeStepFunctions({ running: true, now: () => now });
const s3Mock = mockClient(S3Client);
const launcherArn = 'arn:aws:states:us-east-1:111122223333:stateMachine:launcher';
const routes = routesOf(CATALOG, (journey) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`);
const DAY_MS = 86_400_000;

let dynamo: DynaliteHarness;
let tableName: string;
let ports: InactivityScanPorts;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());
beforeEach(async () => {
  sfn.reset();
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  tableName = await createCustomerTable(dynamo.client, 'inactivity');
  ports = {
    dynamodb: dynamo.client,
    tableName,
    s3: new S3Client({ region: 'us-east-1' }),
    audienceBucket: 'audiences',
    sfn: sfn.client,
    launcherArn,
    routes,
    now: () => now,
  };
});

/** Stores a last order `daysAgo` days before `now`, as ingest does. */
async function lastOrdered(customerId: string, daysAgo: number): Promise<void> {
  const at = new Date(now.getTime() - daysAgo * DAY_MS).toISOString();
  await new CustomerStore({ client: dynamo.client, tableName }).setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
}

describe('inactivity scan', () => {
  it('finds customers whose last order is 90 or more days ago, within the catch-up window only', async () => {
    // Prepare
    await lastOrdered('recent', 30);
    await lastOrdered('just-lapsed', WIN_BACK_INACTIVE_DAYS);
    await lastOrdered('lapsed-last-week', WIN_BACK_INACTIVE_DAYS + 5);
    await lastOrdered('long-gone', WIN_BACK_INACTIVE_DAYS + 30);

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses).toEqual([
      { customerId: 'just-lapsed', lastEventDay: '20260303' },
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

  it('drops a customer who ordered again, and keeps the window\'s edges to the millisecond', async () => {
    // Prepare
    await lastOrdered('came-back', WIN_BACK_INACTIVE_DAYS + 2);
    await lastOrdered('came-back', 3);
    await lastOrdered('at-cutoff', WIN_BACK_INACTIVE_DAYS);
    await lastOrdered('at-floor', WIN_BACK_INACTIVE_DAYS + INACTIVITY_LOOKBACK_DAYS);
    await lastOrdered('inside-floor', WIN_BACK_INACTIVE_DAYS + INACTIVITY_LOOKBACK_DAYS - 1 / DAY_MS);

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses.map((lapse) => lapse.customerId)).toEqual(['at-cutoff', 'inside-floor']);
  });

  it('compares instants written with an offset as times, not as text', async () => {
    // Prepare: the cutoff is 2026-03-03T03:00:00Z (90 days before now).
    const store = new CustomerStore({ client: dynamo.client, tableName });
    const order = (customerId: string, at: string) => store.setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
    await order('new-york-late', '2026-03-02T23:00:00-05:00'); // 04:00Z on the 3rd: after the cutoff
    await order('new-york-early', '2026-03-02T21:30:00-05:00'); // 02:30Z on the 3rd: before it

    // Act
    const lapses = await findLapses(ports, { event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, now);

    // Assess
    expect(lapses).toEqual([{ customerId: 'new-york-early', lastEventDay: '20260303' }]);
  });

  it('writes one audience per lapse day and launches it once, named after the journey and the day', async () => {
    // Prepare
    await lastOrdered('c-001', WIN_BACK_INACTIVE_DAYS + 1);
    await lastOrdered('c-002', WIN_BACK_INACTIVE_DAYS + 1);
    await lastOrdered('c-003', WIN_BACK_INACTIVE_DAYS + 3);

    // Act
    const first = await scanForInactivity(ports);
    const nextDay = await scanForInactivity({ ...ports, now: () => new Date(now.getTime() + DAY_MS) });

    // Assess
    expect(first).toEqual([
      { journey: 'win-back', lapseDay: '20260228', lapsed: 1, outcome: 'launched', audienceKey: 'inactivity/win-back/20260228.csv', launchId: 'inactive-win-back-20260228' },
      { journey: 'win-back', lapseDay: '20260302', lapsed: 2, outcome: 'launched', audienceKey: 'inactivity/win-back/20260302.csv', launchId: 'inactive-win-back-20260302' },
    ]);
    expect(nextDay.map((launch) => launch.outcome)).toEqual(['already_launched', 'already_launched']);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'audiences',
      Key: 'inactivity/win-back/20260302.csv',
      // Ids only, entry keys left empty: each customer enters under the launch id.
      Body: 'customerId,entryKey\nc-001,\nc-002,\n',
    });
    expect(sfn.started).toEqual([
      { stateMachineArn: launcherArn, name: 'inactive-win-back-20260228', input: '{"journey":"win-back","audienceKey":"inactivity/win-back/20260228.csv"}' },
      { stateMachineArn: launcherArn, name: 'inactive-win-back-20260302', input: '{"journey":"win-back","audienceKey":"inactivity/win-back/20260302.csv"}' },
    ]);
  });

  it('launches nothing and writes nothing when nobody lapsed', async () => {
    // Act
    const launches = await scanForInactivity(ports);

    // Assess
    expect(launches).toEqual([]);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(sfn.started).toEqual([]);
  });
});
