/**
 * The same customer event sent again with its event id: the journey it entered is not started
 * twice, and the answer says so (`already_started`), though the local Step Functions, like AWS,
 * answers a StartExecution of a running execution with the same name and input with that
 * execution. On a stopped stack every `overture send-event` runs at the instant the folder saved,
 * so the repeat comes at the very virtual time of the first start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { distinctExecutionName } from '../../lib/ingest/execution-name';
import { DATA_FILES } from '../../lib/local/data-files';
import { overture } from '../support/cli';
import { stoppedStackDataDir, testOutdir } from './support';

jest.setTimeout(600_000);

const cdkOut = testOutdir('repeated-event');
let data: string;

beforeAll(async () => {
  data = await stoppedStackDataDir('repeated-event', { outdir: cdkOut, start: new Date() });
});

/** `overture send-event order_placed` for `customer` with event id `eventId` (c-2 and o-1, as the audit ran it). */
function placeOrder(customer = 'c-2', eventId = 'o-1'): ReturnType<typeof overture> {
  return overture(
    'send-event',
    'order_placed',
    '--customer',
    customer,
    '--event-id',
    eventId,
    '--profile',
    JSON.stringify({ timezone: 'UTC', email: `${customer}@example.com` }),
    '--consents',
    '[{"channel":"email","topic":"marketing","status":"granted","proof":{"source":"repeat-test"}}]',
    '--data',
    data,
    '--cdk-out',
    cdkOut,
    '--json',
  );
}

describe('overture send-event with an event id sent before', () => {
  it('reports the journey already started, and starts one execution', async () => {
    // Act
    const first = await placeOrder();
    const again = await placeOrder();
    const third = await placeOrder();

    // Assess
    const crossSell = (run: Awaited<ReturnType<typeof overture>>): unknown =>
      (JSON.parse(run.stdout) as { outcome: { journeys: { journey: string }[] } }).outcome.journeys.find((journey) => journey.journey === 'active-cross-sell');
    expect(crossSell(first)).toEqual({ journey: 'active-cross-sell', execution: 'active-cross-sell-c-2-o-1', outcome: 'started' });
    expect(crossSell(again)).toEqual({ journey: 'active-cross-sell', execution: 'active-cross-sell-c-2-o-1', outcome: 'already_started' });
    expect(crossSell(third)).toEqual({ journey: 'active-cross-sell', execution: 'active-cross-sell-c-2-o-1', outcome: 'already_started' });
    const registry = readFileSync(path.join(data, DATA_FILES.executions), 'utf8');
    const runs = registry
      .split('\n')
      .filter((line) => line.includes('"name":"active-cross-sell-c-2-o-1"'))
      .map((line) => (JSON.parse(line) as { startDate: string }).startDate);
    expect(new Set(runs).size).toBe(1);
  });

  it('starts a customer whose ids make the execution name of another customer\'s entry, under a name of its own', async () => {
    // Act: "active-cross-sell-" + "shop-42" + "-" + "o-7", and "shop" + "-" + "42-o-7".
    const first = await placeOrder('shop-42', 'o-7');
    const second = await placeOrder('shop', '42-o-7');
    const repeat = await placeOrder('shop', '42-o-7');

    // Assess
    const crossSell = (run: Awaited<ReturnType<typeof overture>>): { execution: string; outcome: string } | undefined =>
      (JSON.parse(run.stdout) as { outcome: { journeys: { journey: string; execution: string; outcome: string }[] } }).outcome.journeys.find(
        (journey) => journey.journey === 'active-cross-sell',
      );
    expect(crossSell(first)).toEqual({ journey: 'active-cross-sell', execution: 'active-cross-sell-shop-42-o-7', outcome: 'started' });
    const distinct = distinctExecutionName('active-cross-sell', 'shop', '42-o-7');
    expect(crossSell(second)).toEqual({ journey: 'active-cross-sell', execution: distinct, outcome: 'started' });
    expect(crossSell(repeat)?.outcome).toBe('already_started');
    const executions = readFileSync(path.join(data, DATA_FILES.executions), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"name":"active-cross-sell-shop'))
      .map((line) => JSON.parse(line) as { name: string; input: string });
    expect(new Map(executions.map((execution) => [execution.name, (JSON.parse(execution.input) as { customerId: string }).customerId]))).toEqual(
      new Map([
        ['active-cross-sell-shop-42-o-7', 'shop-42'],
        [distinct, 'shop'],
      ]),
    );
  });
});
