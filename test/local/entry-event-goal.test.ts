/**
 * A journey whose entry event is also its goal (active-cross-sell: an order starts it, the next
 * order ends it), run by the local runtime on the real emulators with the state machine of the
 * synthesized template. The producer's clock may run ahead of Step Functions' (ingest takes event
 * times up to five minutes ahead): the order that entered must not count as the next one.
 */
import { sendLedgerOf } from '../../lib/local/customer-history';
import { readJourneyRecords } from '../../lib/local/journey-results';
import { LocalRuntime } from '../../lib/local/runtime';
import { activeCrossSell } from '../../workflows/catalog/active-cross-sell';
import { scheduleCustomerEvent, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [activeCrossSell], start: new Date(START), seed: 3, outdir: testOutdir('entry-event-goal'), inactivityScan: false });
});
afterAll(() => runtime.close());

/** An active customer who takes marketing email. */
function importCustomer(customerId: string): Promise<void> {
  return runtime.store.importCustomer({
    profile: { customerId, stage: 'active', timezone: 'UTC', email: `${customerId}@example.com`, updatedAt: new Date(START).toISOString() },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
  });
}

/** Ingests, at virtual `at`, an order its producer stamped `aheadMs` after `at` (its clock runs ahead). */
function placeOrderAt(customerId: string, eventId: string, at: number, aheadMs: number, touchpoint?: string): void {
  scheduleCustomerEvent(runtime, { name: 'order_placed', customerId, eventId, at, aheadMs, ...(touchpoint === undefined ? {} : { touchpoint }) });
}

async function sentSteps(customerId: string): Promise<string[]> {
  const ledger = await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, customerId);
  return ledger.filter((entry) => entry.status === 'sent').map((entry) => entry.step);
}

/** How `execution` ended: its goal or exit records. */
async function endingsOf(execution: string): Promise<unknown[]> {
  const { endings } = await readJourneyRecords(runtime.clients.dynamodb, runtime.tableName, 'active-cross-sell');
  return endings.filter((ending) => ending.execution === execution);
}

describe('active-cross-sell entered by an order stamped ahead of the clock, on the local runtime', () => {
  it('sends the suggestion and the follow-up: the entry order is not the next order', async () => {
    // Prepare: the shop's clock runs two minutes ahead of Step Functions'.
    await importCustomer('c-ahead');
    placeOrderAt('c-ahead', 'order-1', START + MINUTE, 2 * MINUTE);

    // Act
    await runtime.run(new Date(START + 12 * DAY));

    // Assess
    expect(await sentSteps('c-ahead')).toEqual(['bestsellers', 'follow-up']);
    expect(runtime.stepFunctions.describeExecution('active-cross-sell-c-ahead-order-1')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await endingsOf('active-cross-sell-c-ahead-order-1')).toEqual([expect.objectContaining({ record: 'exit', reason: 'completed' })]);
  });

  it('ends converted, with no suggestion, when a second order comes after the entry', async () => {
    // Prepare
    const start = runtime.now().getTime();
    await importCustomer('c-orders-again');
    placeOrderAt('c-orders-again', 'order-1', start + MINUTE, 2 * MINUTE);
    placeOrderAt('c-orders-again', 'order-2', start + DAY, 2 * MINUTE);

    // Act
    await runtime.run(new Date(start + 12 * DAY));

    // Assess
    expect(await sentSteps('c-orders-again')).toEqual([]);
    expect(runtime.stepFunctions.describeExecution('active-cross-sell-c-orders-again-order-1')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await endingsOf('active-cross-sell-c-orders-again-order-1')).toEqual([expect.objectContaining({ record: 'goal', event: 'order_placed' })]);
  });
});

describe('active-cross-sell chooses its suggestion from what happened besides the order that entered', () => {
  it('suggests bestsellers after a web order from a customer who did nothing else: the order is not recent behaviour on the web', async () => {
    // Prepare
    const start = runtime.now().getTime();
    await importCustomer('c-web-order');
    placeOrderAt('c-web-order', 'order-web', start + MINUTE, 0, 'web');

    // Act
    await runtime.run(new Date(start + 12 * DAY));

    // Assess
    expect(await sentSteps('c-web-order')).toEqual(['bestsellers', 'follow-up']);
  });

  it('suggests the store to a customer who visited it the week before ordering on the web', async () => {
    // Prepare
    const start = runtime.now().getTime();
    await importCustomer('c-visited');
    scheduleCustomerEvent(runtime, { name: 'store_visit', customerId: 'c-visited', eventId: 'visit-1', at: start + MINUTE, touchpoint: 'store' });
    placeOrderAt('c-visited', 'order-after-visit', start + 7 * DAY, 0, 'web');

    // Act
    await runtime.run(new Date(start + 20 * DAY));

    // Assess
    expect((await sentSteps('c-visited')).sort()).toEqual(['follow-up', 'store-visitor']);
  });
});
