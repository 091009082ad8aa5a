/**
 * Win-back over many months of daily scans, on the emulators: the customer table (dynalite), the
 * audience bucket (fauxqs's S3) and Step Functions (local), each launch's batch run by the launch
 * worker's code as the launcher's Map would run it. Customers order at random; whatever they do,
 * nobody enters twice within 180 days or while not lapsed, and a customer lapsed once the re-entry
 * rule allows is entered by the scan after that day.
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { INACTIVITY_LOOKBACK_DAYS, scanForInactivity } from '../../lib/ingest/inactivity-scan';
import { routesOf } from '../../lib/ingest/journey-routes';
import { launchBatch } from '../../lib/ingest/launch-batch';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import { LOCAL_CLIENT_CONFIG } from '../../lib/local/clients';
import { CustomerStore } from '../../lib/store/customer-store';
import { CATALOG } from '../../workflows';
import { WIN_BACK_INACTIVE_DAYS } from '../../workflows/catalog/win-back';
import { aProfile } from '../store/fixtures';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFauxqs, type Fauxqs } from '../support/fauxqs';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';

jest.setTimeout(600_000);

const DAY = 86_400_000;
const RE_ENTRY_DAYS = 180;
/** Orders fall in the first this many days; the scans run until every lapse of them is settled. */
const ORDER_DAYS = 200;
const SCAN_DAYS = ORDER_DAYS + WIN_BACK_INACTIVE_DAYS + RE_ENTRY_DAYS + 4;
const BASE = Date.UTC(2026, 0, 1);
const launcherArn = 'arn:aws:states:us-east-1:111122223333:stateMachine:launcher';
const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;
const routes = routesOf(CATALOG, arnOf).filter((route) => route.journey === 'win-back');

let dynamo: DynaliteHarness;
let fauxqs: Fauxqs;
let s3: S3Client;
let sfn: LocalStepFunctionsHarness;
let clock = new Date(BASE);
let runs = 0;

beforeAll(async () => {
  [dynamo, fauxqs, sfn] = await Promise.all([
    startDynalite(),
    startFauxqs(),
    // The launcher's executions stay running, as a scan's launch may; the journey's end at once.
    startLocalStepFunctions({ machines: { [launcherArn]: { kind: 'waits' }, [arnOf('win-back')]: { kind: 'ends' } }, now: () => clock }),
  ]);
  s3 = new S3Client({ ...LOCAL_CLIENT_CONFIG, endpoint: fauxqs.endpoint, forcePathStyle: true });
});
afterAll(async () => {
  s3.destroy();
  await Promise.all([sfn.stop(), fauxqs.stop(), dynamo.stop()]);
});

/** The customer ids of an audience file. */
async function audienceOf(bucket: string, key: string): Promise<string[]> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return ((await Body?.transformToString()) ?? '').split('\n').slice(1).filter((line) => line !== '').map((line) => line.split(',')[0] ?? '');
}

/** The end of the UTC day of `at` (epoch ms). */
const endOfDay = (at: number) => Math.floor(at / DAY) * DAY + DAY;

describe('win-back over daily scans', () => {
  it('enters nobody twice within 180 days or while not lapsed, once a lapse, and by the scan after the day the re-entry rule lets a lapsed customer in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: ORDER_DAYS * 24 * 60 - 1 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        async (scanMinute, orderMinutes) => {
          // Prepare: each customer's orders, half a minute past a minute so none falls on a scan.
          runs += 1;
          await sfn.reset();
          const tableName = await createCustomerTable(dynamo.client, 'win-back-reentry');
          const bucket = `win-back-reentry-${runs}`;
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
          const store = new CustomerStore({ client: dynamo.client, tableName });
          const customers = orderMinutes.map((minutes, index) => ({ id: `p-${index}`, orders: [...minutes].sort((a, b) => a - b).map((minute) => BASE + minute * 60_000 + 30_000) }));
          for (const { id } of customers) await store.putProfile(aProfile(id));
          const pending = customers.flatMap(({ id, orders }) => orders.map((at) => ({ id, at }))).sort((a, b) => a.at - b.at);
          const scans = Array.from({ length: SCAN_DAYS }, (_, day) => BASE + day * DAY + scanMinute * 60_000);
          // The days a scan's window can hold anything: around each order's day 90 days on, and
          // each launch's (where entries happen) 180 days on. A scan of any other day finds nothing and does nothing,
          // so it is left out: a daily scan of dynalite's 8 shards twice is a few seconds a month.
          const busy = new Set<number>();
          const near = (at: number) => {
            const day = Math.floor((at - BASE) / DAY);
            for (let offset = -1; offset <= INACTIVITY_LOOKBACK_DAYS + 3; offset += 1) busy.add(day + offset);
          };
          for (const { orders } of customers) for (const order of orders) near(order + WIN_BACK_INACTIVE_DAYS * DAY);

          // Act: every day, the orders up to the scan, the scan, and each launch it started.
          for (const [day, at] of scans.entries()) {
            if (!busy.has(day)) continue;
            while (pending.length > 0 && (pending[0]?.at ?? Infinity) <= at) {
              const order = pending.shift();
              if (order === undefined) break;
              const instant = new Date(order.at).toISOString();
              await store.setAttributes(order.id, { [lastEventAttribute('order_placed')]: instant }, { at: instant });
            }
            clock = new Date(at);
            const launches = await scanForInactivity({ dynamodb: dynamo.client, tableName, s3, audienceBucket: bucket, sfn: sfn.client, launcherArn, routes, now: () => clock });
            for (const { journey, audienceKey, launchId } of launches.filter((launch) => launch.outcome === 'launched')) {
              const items = (await audienceOf(bucket, audienceKey)).map((customerId) => ({ customerId }));
              await launchBatch({ dynamodb: dynamo.client, sfn: sfn.client, tableName, routes, now: () => clock }, { BatchInput: { journey, launchId, launchedAt: clock.toISOString() }, Items: items });
              near(at + RE_ENTRY_DAYS * DAY);
            }
          }

          // Assess
          const entries = (await sfn.executions())
            .filter((execution) => execution.stateMachineArn === arnOf('win-back'))
            .map((execution) => JSON.parse(execution.input) as { customerId: string; enteredAt: string });
          for (const { id, orders } of customers) {
            const entered = entries.filter((entry) => entry.customerId === id).map((entry) => Date.parse(entry.enteredAt)).sort((a, b) => a - b);
            for (const [index, at] of entered.entries()) {
              if (index > 0) expect(at - (entered[index - 1] ?? 0)).toBeGreaterThanOrEqual(RE_ENTRY_DAYS * DAY);
              const lastOrder = Math.max(...orders.filter((order) => order < at));
              expect(at - lastOrder).toBeGreaterThanOrEqual(WIN_BACK_INACTIVE_DAYS * DAY);
            }
            for (const [index, order] of orders.entries()) {
              const next = orders[index + 1] ?? Infinity;
              const inLapse = entered.filter((at) => at > order && at < next);
              expect(inLapse.length).toBeLessThanOrEqual(1);
              // Due: the first scan after the lapse day is 90 days old and the rule's day is over.
              const previous = entered.filter((at) => at < order).at(-1);
              const ruleDayOver = previous === undefined ? -Infinity : endOfDay(previous + RE_ENTRY_DAYS * DAY);
              const due = scans.find((at) => at >= endOfDay(order) + WIN_BACK_INACTIVE_DAYS * DAY && at >= ruleDayOver);
              if (due !== undefined && due < next) expect(inLapse.filter((at) => at <= due)).toHaveLength(1);
            }
          }
        },
      ),
      { numRuns: 5 },
    );
  });
});
